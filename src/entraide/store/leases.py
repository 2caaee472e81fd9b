"""Leases: a role only one process may hold at a time across every instance, such as the publisher.

A lease is a row, on both engines: taken when free or expired, renewed by its holder, released at the end.
A holder killed by SIGKILL cannot release it; it expires after its duration and another process takes over.
A row rather than PostgreSQL's session advisory locks or a file lock: it works through a transaction
pooler (PgBouncer, RDS Proxy), on a Lambda whose connection is not kept between invocations, and with the
same code on SQLite.
"""

from __future__ import annotations

import os

from entraide.store.engine import Engine
from entraide.store.opaque import require_opaque

TAKE = """
INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
RETURNING holder
"""
RELEASE = "DELETE FROM leases WHERE name = ? AND holder = ?"
HOLDER = "SELECT holder FROM leases WHERE name = ? AND expires_at > ?"
PURGE = "DELETE FROM leases WHERE expires_at <= ?"


def new_holder() -> str:
    """A name for this process as a lease holder: host, process id and a random part (pids are reused)."""
    import secrets
    import socket  # 5 ms: paid by the publisher, not by every cold start

    host = "".join(c if c.isalnum() or c in "-." else "-" for c in socket.gethostname())[:60] or "host"
    return f"{host}:{os.getpid()}:{secrets.token_hex(4)}"


class Leases:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def acquire(self, name: str, holder: str, now: float, seconds: float) -> bool:
        """Take or renew the lease `name` until `now + seconds`; False when another holder has it."""
        require_opaque(name, "a lease name")
        require_opaque(holder, "a lease holder")
        with self.engine.transaction() as transaction:
            return transaction.row(TAKE, (name, holder, now + seconds, now)) is not None

    def release(self, name: str, holder: str) -> None:
        """Give the lease up now (nothing happens when `holder` no longer holds it)."""
        with self.engine.transaction() as transaction:
            transaction.execute(RELEASE, (name, holder))

    def holder(self, name: str, now: float) -> str | None:
        with self.engine.transaction(write=False) as transaction:
            row = transaction.row(HOLDER, (name, now))
        return row[0] if row else None
