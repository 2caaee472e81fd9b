"""Signed values: what a form or a link carries so that the endpoint knows it made it, with nothing stored.

A signed value is its fields joined by dots, then a signature: `<field>.<field>….<signature>`, the signature an
HMAC-SHA256 with the endpoint's token secret (24 bytes, base64url) over the purpose, the fields and an optional
context that the value does not carry (the previewed entry a confirmation must match). The purpose keeps a
value signed for one use (a form, a follow-up link, an alert link) from ever opening another. Each caller
checks the shape and the meaning of its fields and says in French what went wrong; this module only answers
whether the signature is ours.
"""

from __future__ import annotations

import base64
import hmac
import json


def sign(secret: bytes, purpose: str, *fields: str, context: str = "") -> str:
    """`fields` (none holding a dot) and their signature, as one string for a URL or a hidden input."""
    if any("." in field for field in fields):
        raise ValueError("a signed value's fields hold no dot")
    return ".".join((*fields, _signature(secret, purpose, fields, context)))


def unsign(secret: bytes, purpose: str, value: str, count: int, *, context: str = "") -> tuple[str, ...] | None:
    """The `count` fields of `value` when this secret signed them for `purpose` (and `context`); None when
    the value was cut, altered, signed for something else, or by another instance."""
    *fields, signature = value.split(".")
    expected = _signature(secret, purpose, fields, context).encode()
    if len(fields) != count or not hmac.compare_digest(signature.encode(), expected):  # bytes: any text compares
        return None
    return tuple(fields)


def _signature(secret: bytes, purpose: str, fields: tuple[str, ...] | list[str], context: str) -> str:
    message = json.dumps([purpose, context, *fields], ensure_ascii=False)  # unambiguous, whatever a field holds
    mac = hmac.new(secret, message.encode(), "sha256").digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()
