"""Email addresses: one plain address (prenom@exemple.fr), that Python's email package reads back as itself.

Addresses typed by residents and visitors end up in To: and Reply-To: headers, whose parser decodes
RFC 2047 encoded-words: `=?utf-8?b?…?=@x.fr` once became 13 recipients of one To: header, and another a
header with a line break (a 500 after the entry was written). So an address is refused when it holds
`=?`, is not ASCII, or is not read back unchanged and alone by `email.utils` and by the header parser.
"""

from __future__ import annotations

import re

MAX_LENGTH = 254
_SHAPE = re.compile(r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[a-z]{2,}$", re.I)
_EXAMPLE = "(exemple : prenom@exemple.fr)"


def email_problem(address: str) -> str:
    """Why `address` cannot be written to, in French ('' when it can)."""
    if "=?" in address:
        return f"cette adresse e-mail contient « =? » : tapez seulement l'adresse {_EXAMPLE}"
    if not address.isascii():
        return f"écrivez l'adresse e-mail sans accent ni caractère spécial {_EXAMPLE}"
    if len(address) > MAX_LENGTH or not _SHAPE.match(address) or not _reads_back(address):
        return f"cette adresse e-mail n'a pas la bonne forme {_EXAMPLE}"
    return ""


def is_plain_address(address: str) -> bool:
    return not email_problem(address)


def _reads_back(address: str) -> bool:
    # Imported here: a cold Lambda answering a form without an email never pays for the email package.
    from email.errors import MessageError
    from email.policy import default
    from email.utils import formataddr, getaddresses, parseaddr

    if getaddresses([address]) != [("", address)] or parseaddr(address) != ("", address):
        return False
    if formataddr(("", address)) != address:
        return False
    try:
        header = default.header_factory("To", address)  # what EmailMessage does with message["To"] = address
    except (ValueError, TypeError, IndexError, MessageError):
        return False
    return not header.defects and [found.addr_spec for found in header.addresses] == [address]
