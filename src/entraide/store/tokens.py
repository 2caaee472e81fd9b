"""Single-use tokens: a form token (or any signed one-time link) is accepted once, by any instance."""

from __future__ import annotations

from entraide.store.engine import Engine
from entraide.store.opaque import require_opaque

USE = "INSERT INTO used_tokens (token_id, expires_at) VALUES (?, ?) ON CONFLICT (token_id) DO NOTHING RETURNING 1"
PURGE = "DELETE FROM used_tokens WHERE expires_at <= ?"


class UsedTokens:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def use_once(self, token_id: str, expires_at: float) -> bool:
        """True the first time `token_id` is used, False ever after.

        `expires_at` must be no earlier than the moment the token itself stops being accepted: the row is
        purged then, and a token past its own expiry is refused by its signature check anyway.
        """
        require_opaque(token_id, "a token id")
        with self.engine.transaction() as transaction:
            return transaction.row(USE, (token_id, expires_at)) is not None
