"""Idempotency keys: the first request with a key stores its value; a repeat gets that value back.

One upsert decides who was first, atomically on both engines: a key nobody holds, or whose time ran out,
takes the new value; otherwise nothing changes and the holder's value is read back in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from entraide.store.engine import Engine
from entraide.store.opaque import require_opaque

CLAIM = """
INSERT INTO idempotency_keys (idempotency_key, stored_value, expires_at) VALUES (?, ?, ?)
ON CONFLICT (idempotency_key) DO UPDATE SET stored_value = excluded.stored_value, expires_at = excluded.expires_at
WHERE idempotency_keys.expires_at <= ?
RETURNING stored_value
"""
READ = "SELECT stored_value FROM idempotency_keys WHERE idempotency_key = ?"
READ_LIVE = "SELECT stored_value FROM idempotency_keys WHERE idempotency_key = ? AND expires_at > ?"
PURGE = "DELETE FROM idempotency_keys WHERE expires_at <= ?"


class IdempotencyKeys:
    def __init__(self, engine: Engine, tidy: Callable[[float], None]) -> None:
        self.engine = engine
        self.tidy = tidy

    def remember(self, key: str, value: str, now: float, ttl: float) -> str | None:
        """None when this call is the first with `key` (its value is kept `ttl` seconds); else the first value."""
        require_opaque(key, "an idempotency key")
        with self.engine.transaction() as transaction:
            first = transaction.row(CLAIM, (key, value, now + ttl, now)) is not None
            existing = None if first else transaction.row(READ, (key,))[0]
        self.tidy(now)
        return existing

    def recall(self, key: str, now: float) -> str | None:
        """The value kept under `key` while it lasts, else None (nothing is written)."""
        require_opaque(key, "an idempotency key")
        with self.engine.transaction(write=False) as transaction:
            row = transaction.row(READ_LIVE, (key, now))
        return row[0] if row else None
