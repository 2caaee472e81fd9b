"""Withdraw keys: what an author keeps to withdraw their entry or change its status, without an account.

A key is 80 random-looking bits (derived by HMAC from the entry's idempotency key, so a retry on another
instance gives the same key) written in Crockford's base32 as four groups of four: `7KQ2-M9XD-4TRB-W1ZE`.
People copy it by hand and read it over the phone to an agent, so typing is forgiving: case does not matter,
O is read as 0, I and L as 1, hyphens and spaces are ignored. Only a hash of the key is stored
(`withdraw_key_hash`), of its canonical form (16 characters, upper case, no hyphen).

Why 80 bits are enough (docs/endpoint.md): a key is tried against one entry, through the endpoint, whose rate
limits let at most ENTRAIDE_RATE_LIMIT_GLOBAL (300) posts a minute through for everyone together: 158 million a
year. Against 2^80 (1.2 × 10^24) keys, a year of nothing but guesses finds a given entry's key with odds of
1 in 7.6 × 10^15.

Keys issued before (22 characters of base64url, case-sensitive) keep working: they are compared as typed.
"""

from __future__ import annotations

import hashlib
import hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
KEY_BITS = 80
GROUPS, GROUP_SIZE = 4, 4
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None, "\u00a0": None})


def format_key(digest: bytes) -> str:
    """The key shown to the author: the first 80 bits of `digest` as `XXXX-XXXX-XXXX-XXXX`."""
    number = int.from_bytes(digest[: KEY_BITS // 8], "big")
    characters = "".join(ALPHABET[(number >> shift) & 31] for shift in range(KEY_BITS - 5, -1, -5))
    return "-".join(characters[i : i + GROUP_SIZE] for i in range(0, len(characters), GROUP_SIZE))


def canonical(key: str) -> str | None:
    """The key as it is hashed (16 characters of the alphabet), or None when what was typed is not one."""
    text = key.strip().upper().translate(_READ_AS)
    if len(text) == GROUPS * GROUP_SIZE and all(character in ALPHABET for character in text):
        return text
    return None


def hash_withdraw_key(key: str) -> str:
    """What the entry keeps of its key: a new key's canonical form hashed; anything else hashed as written."""
    return _hash(canonical(key) or key.strip())


def withdraw_key_matches(key: str, stored_hash: str) -> bool:
    """Whether `key`, as typed, opens the entry: a new key in any spelling, or an older key exactly."""
    if not stored_hash:
        return False
    candidates = {key.strip(), canonical(key) or key.strip()}
    return any(hmac.compare_digest(_hash(candidate), stored_hash) for candidate in candidates)


def _hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
