"""Sealed contacts: a resident's email and phone, encrypted so only the endpoint's key holder can read them.

The format of an entry's `contact` is `sealed:v2:<box>` where `box` is a libsodium sealed box (X25519 +
XSalsa20-Poly1305, through PyNaCl) of the contact as JSON, padded to a whole number of blocks. Each box
uses a fresh ephemeral key, so two entries of one person share nothing but the prefix and (mostly) the
length: whoever reads the public repository cannot link them.

Moderators, who hold the private key, still spot one person's entries: `fingerprint(sealed, keys)` opens
the box and returns a keyed hash of the normalised contact. Contacts sealed before v2 read
`sealed:v1:<fingerprint>:<box>`, that same keyed hash written in clear; they still open and still count
as duplicates, with or without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from entraide.withdraw_keys import hash_withdraw_key, withdraw_key_matches  # noqa: F401 - where callers look

PREFIX = "sealed:v2:"
V1_PREFIX = "sealed:v1:"  # followed by the fingerprint in clear: read, never written any more
PADDING_BLOCK = 256  # bytes: nearly every contact seals to one length, which then tells nothing about it


class SealingError(Exception):
    """A contact cannot be sealed or opened; the message says what to do."""


@dataclass(frozen=True)
class Contact:
    email: str = ""
    phone: str = ""

    def normalised(self) -> str:
        return f"{self.email.strip().lower()}|{re.sub(r'[^0-9+]', '', self.phone)}"


@dataclass(frozen=True)
class KeyPair:
    private: str  # base64, a secret: ENTRAIDE_PRIVATE_KEY
    public: str

    @classmethod
    def generate(cls) -> KeyPair:
        return cls.from_private(base64.b64encode(bytes(PrivateKey.generate())).decode())

    @classmethod
    def from_private(cls, private: str) -> KeyPair:
        try:
            key = PrivateKey(base64.b64decode(private.strip(), validate=True))
        except (ValueError, TypeError) as error:
            raise SealingError(
                "ENTRAIDE_PRIVATE_KEY n'est pas une clé valable : créez-en une avec `entraide keygen`"
            ) from error
        return cls(private=private.strip(), public=base64.b64encode(bytes(key.public_key)).decode())

    def seal(self, contact: Contact) -> str:
        plaintext = json.dumps({"email": contact.email, "phone": contact.phone}, ensure_ascii=False).encode()
        padded = plaintext + b" " * (-len(plaintext) % PADDING_BLOCK)  # JSON ignores trailing spaces
        box = SealedBox(PublicKey(base64.b64decode(self.public))).encrypt(padded)
        return PREFIX + base64.urlsafe_b64encode(box).decode()

    def unseal(self, sealed: str) -> Contact:
        box = _box(sealed)
        if box is None:
            raise SealingError("ce contact n'est pas au format scellé sealed:v2 : il ne peut pas être lu")
        try:
            data = json.loads(_opener(self.private).decrypt(base64.urlsafe_b64decode(box)))
        except CryptoError as error:
            raise SealingError(
                "ce contact a été scellé avec une autre clé : utilisez la clé privée de l'instance qui l'a reçu"
            ) from error
        return Contact(email=data.get("email", ""), phone=data.get("phone", ""))

    def fingerprint(self, contact: Contact) -> str:
        """A keyed hash of the normalised contact: equal for the same person, meaningless without the key."""
        key = hashlib.blake2b(base64.b64decode(self.private), person=b"entraide-fp", digest_size=32).digest()
        return hmac.new(key, contact.normalised().encode(), "sha256").hexdigest()[:24]


def fingerprint(sealed: str, keys: KeyPair | None = None) -> str:
    """The keyed fingerprint of a sealed contact, equal for the same person; "" when it cannot be known.

    A v1 contact carries it in clear. A v2 contact is opened with `keys` (the moderators' private key),
    so without the key, or with another instance's, it gives "" and links to nothing.
    """
    if sealed.startswith(V1_PREFIX) and sealed.count(":") == 3:
        return sealed.split(":")[2]
    if keys is None or _box(sealed) is None:
        return ""
    try:
        return keys.fingerprint(keys.unseal(sealed))
    except (SealingError, ValueError):
        return ""


def _box(sealed: str) -> str | None:
    """The base64 box of a v2 or v1 sealed contact, None when it is neither."""
    if sealed.startswith(PREFIX) and sealed.count(":") == 2:
        return sealed[len(PREFIX) :]
    if sealed.startswith(V1_PREFIX) and sealed.count(":") == 3:
        return sealed.rsplit(":", 1)[1]
    return None


@lru_cache(maxsize=4)
def _opener(private: str) -> SealedBox:
    """One opener per key: building it costs a scalar multiplication, as much as opening a box."""
    return SealedBox(PrivateKey(base64.b64decode(private)))
