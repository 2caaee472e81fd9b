"""Sealed contacts: a resident's email and phone, encrypted so only the endpoint's key holder can read them.

The format of an entry's `contact` is `sealed:v1:<fingerprint>:<box>` where `box` is a libsodium sealed
box (X25519 + XSalsa20-Poly1305, through PyNaCl) of the contact as JSON, and `fingerprint` a keyed hash
of the normalised contact, so duplicates can be spotted without decrypting and without the fingerprint
revealing anything to whoever lacks the private key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

PREFIX = "sealed:v1:"


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

    def _fingerprint_key(self) -> bytes:
        return hashlib.blake2b(base64.b64decode(self.private), person=b"entraide-fp", digest_size=32).digest()

    def seal(self, contact: Contact) -> str:
        fingerprint = hmac.new(self._fingerprint_key(), contact.normalised().encode(), "sha256").hexdigest()[:24]
        plaintext = json.dumps({"email": contact.email, "phone": contact.phone}, ensure_ascii=False).encode()
        box = SealedBox(PublicKey(base64.b64decode(self.public))).encrypt(plaintext)
        return f"{PREFIX}{fingerprint}:{base64.urlsafe_b64encode(box).decode()}"

    def unseal(self, sealed: str) -> Contact:
        if not sealed.startswith(PREFIX) or sealed.count(":") != 3:
            raise SealingError("ce contact n'est pas au format scellé sealed:v1 : il ne peut pas être lu")
        box = base64.urlsafe_b64decode(sealed.rsplit(":", 1)[1])
        try:
            data = json.loads(SealedBox(PrivateKey(base64.b64decode(self.private))).decrypt(box))
        except CryptoError as error:
            raise SealingError(
                "ce contact a été scellé avec une autre clé : utilisez la clé privée de l'instance qui l'a reçu"
            ) from error
        return Contact(email=data.get("email", ""), phone=data.get("phone", ""))


def fingerprint(sealed: str) -> str:
    """The keyed fingerprint of a sealed contact: equal for the same person, without decrypting."""
    return sealed.split(":")[2] if sealed.startswith(PREFIX) and sealed.count(":") == 3 else ""


def new_withdraw_key() -> str:
    """A random secret shown once to the author; 128 bits, so a plain hash is safe to store."""
    return secrets.token_urlsafe(16)


def hash_withdraw_key(key: str) -> str:
    return "sha256:" + hashlib.sha256(key.strip().encode()).hexdigest()


def withdraw_key_matches(key: str, stored_hash: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(hash_withdraw_key(key), stored_hash)
