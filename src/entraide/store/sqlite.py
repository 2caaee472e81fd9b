"""SQLite in a file: the default engine, nothing to install or configure, for one machine.

Several processes share the file safely: WAL mode lets readers go on while one writer writes, every write
transaction starts with `BEGIN IMMEDIATE` (it takes the write lock at once, so two read-then-write
transactions cannot deadlock), and a writer that finds the lock taken waits up to BUSY_TIMEOUT_SECONDS
before the store answers StoreUnavailable. `synchronous=FULL`: a committed entry survives a power cut.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from entraide.store.engine import Engine, StoreError

BUSY_TIMEOUT_SECONDS = 5.0
OLDEST_VERSION = (3, 35, 0)  # RETURNING
UNAVAILABLE_MARKS = ("locked", "busy", "unable to open", "disk i/o", "readonly", "database or disk is full")


class SQLiteEngine(Engine):
    dialect = "sqlite"

    def __init__(self, url: str, path: str) -> None:
        if sqlite3.sqlite_version_info < OLDEST_VERSION:
            raise StoreError(
                f"SQLite {sqlite3.sqlite_version} is too old for the store (3.35 or newer is needed): "
                "use a newer Python, or PostgreSQL"
            )
        super().__init__(url)
        self.path = path

    def connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")  # kept in the file: only the first connection switches it
        connection.execute("PRAGMA synchronous=FULL")
        return connection

    def begin_statement(self, write: bool) -> str:
        return "BEGIN IMMEDIATE" if write else "BEGIN"

    def unavailable(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.OperationalError) and any(
            mark in str(error).lower() for mark in UNAVAILABLE_MARKS
        )

    def broken(self, connection: Any) -> bool:
        return False  # a file does not hang up: the same connection serves again once the lock is free

    def table_exists(self, transaction: Any, table: str) -> bool:
        return transaction.row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)) is not None
