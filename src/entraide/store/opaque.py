"""What the store accepts as a key: opaque names, never a person's IP, address or number in clear.

A rate-limit bucket is `purpose` or `purpose:<keyed hash>` (`bucket_key` makes one): whatever identifies a
client or a recipient is hashed with a secret of the endpoint before it reaches the store, so a copy of the
database does not tell who sent what. Other keys (idempotency keys, token and entry ids) are short and
made of letters, digits and `_.:-`: an `@` or a space cannot get in. Anything else is a bug of the caller,
refused with ValueError before a row is written.
"""

from __future__ import annotations

import re

BUCKET = re.compile(r"[a-z][a-z0-9_-]{0,39}(:[0-9a-f]{32,128})?")
OPAQUE = re.compile(r"[A-Za-z0-9_.:-]{1,200}")


def bucket_key(purpose: str, secret: bytes, value: str) -> str:
    """A bucket for `value` (an IP, a /64, an address hash…): the purpose and an HMAC-SHA256 of the value."""
    import hashlib  # OpenSSL's bindings, 4 ms: imported on the first request that needs them
    import hmac

    digest = hmac.new(secret, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()
    return require_bucket(f"{purpose}:{digest}")


def require_bucket(key: str) -> str:
    if not BUCKET.fullmatch(key):
        raise ValueError(
            "a rate-limit bucket is a purpose, optionally followed by ':' and a keyed hash in hex "
            "(make one with bucket_key): never an IP or an address in clear"
        )
    return key


def require_opaque(key: str, what: str) -> str:
    if not OPAQUE.fullmatch(key):
        raise ValueError(f"{what} must be 1 to 200 letters, digits or _.:- (an opaque id, never personal data)")
    return key
