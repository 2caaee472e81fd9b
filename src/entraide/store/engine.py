"""The two engines behind one small interface: a transaction that runs SQL, whatever the database.

The store's SQL is written once, with `?` placeholders, in the dialect SQLite and PostgreSQL share
(`INSERT … ON CONFLICT`, `RETURNING`, `WITH … AS MATERIALIZED`). What differs lives here: how a write
transaction begins (`BEGIN IMMEDIATE` takes SQLite's single write lock at once; PostgreSQL locks rows), how
rows being worked on are skipped (`FOR UPDATE SKIP LOCKED`, PostgreSQL only: SQLite has one writer at a
time anyway), and how a section is serialised across processes (`LOCK TABLE` or `pg_advisory_xact_lock`,
both released at commit: nothing outlives a transaction, so a transaction pooler can share connections).

Each thread of each process keeps one connection and reuses it; a process made by fork opens its own. A
connection the server dropped (restart, idle timeout of a pooler) is noticed when a transaction begins,
before anything was written, and replaced once.
"""

from __future__ import annotations

import os
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import SplitResult, urlsplit

DATABASE_URL_VARIABLE = "ENTRAIDE_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///entraide.db"
RETRY_AFTER_SECONDS = 5


class StoreError(Exception):
    """Something about the store a deployer or a developer must act on."""


class BadDatabaseURL(StoreError, ValueError):
    """ENTRAIDE_DATABASE_URL cannot be used; the message names the variable and says what to write."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(
            f"{DATABASE_URL_VARIABLE}={redact(url)!r} is not valid: {problem}. Write sqlite:///path/to/file.db "
            "(three slashes, then the path; four for an absolute path) or postgresql://user:password@host:5432/name"
        )


class StoreUnavailable(StoreError):
    """The database cannot be reached or stays busy: nothing was written; try again after `retry_after` seconds."""

    retry_after = RETRY_AFTER_SECONDS


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()
    except ValueError:
        return "(unreadable URL)"


class Transaction:
    """One transaction on one connection: `execute` runs a statement and returns the driver's cursor."""

    def __init__(self, connection: Any, translate: Callable[[str], str], engine: Engine) -> None:
        self._connection = connection
        self._translate = translate
        self.engine = engine

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._connection.execute(self._translate(sql), tuple(params))

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters (nothing when there are none)."""
        if rows:
            self._connection.cursor().executemany(self._translate(sql), [tuple(row) for row in rows])

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.execute(sql, params).fetchall()

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        return self.execute(sql, params).fetchone()

    def serialise(self, name: str) -> None:
        """Hold a lock named `name` until this transaction ends: one process at a time runs what follows."""
        self.engine.serialise(self, name)

    def lock_table(self, table: str) -> None:
        """Keep other writers of `table` waiting until this transaction ends (readers go on)."""
        self.engine.lock_table(self, table)


class Engine:
    """What both engines share: a connection per thread and process, transactions, errors made StoreUnavailable."""

    dialect = ""
    skip_locked = ""  # appended to a SELECT that picks rows to update; empty where writers are serialised

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()

    # Each engine fills in these.
    def connect(self) -> Any:
        raise NotImplementedError

    def begin_statement(self, write: bool) -> str:
        raise NotImplementedError

    def unavailable(self, error: BaseException) -> bool:
        """Whether a driver error means the database cannot be used now (as opposed to a bug in our SQL)."""
        raise NotImplementedError

    def broken(self, connection: Any) -> bool:
        """Whether a connection is no longer usable and another should be opened."""
        raise NotImplementedError

    def translate(self, sql: str) -> str:
        return sql

    def table_exists(self, transaction: Transaction, table: str) -> bool:
        raise NotImplementedError

    def serialise(self, transaction: Transaction, name: str) -> None:
        """SQLite's write transactions already run one at a time: nothing to add."""

    def lock_table(self, transaction: Transaction, table: str) -> None:
        """SQLite's write transactions already run one at a time: nothing to add."""

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Transaction]:
        """A transaction, committed when the block ends, rolled back when it raises."""
        connection = self._begin(write)
        try:
            yield Transaction(connection, self.translate, self)
            connection.execute("COMMIT")
        except BaseException as error:
            self._roll_back(connection)
            if self.unavailable(error):
                raise StoreUnavailable(f"the database stopped answering: {error}") from error
            raise

    def close(self) -> None:
        """Close this thread's connection (others close when their thread or process ends)."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None and getattr(self._local, "pid", None) == os.getpid():
            connection.close()

    def _begin(self, write: bool) -> Any:
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.execute(self.begin_statement(write))
                return connection
            except Exception as error:
                stale = self.broken(connection)
                if stale:
                    self.close()
                if not self.unavailable(error):
                    raise
                if not stale or attempt == 2:
                    raise StoreUnavailable(f"the database cannot start a transaction: {error}") from error
        raise AssertionError("unreachable")

    def _connection(self) -> Any:
        local = self._local
        if getattr(local, "connection", None) is None or local.pid != os.getpid():
            try:
                local.connection = self.connect()
            except Exception as error:
                local.connection = None
                if self.unavailable(error):
                    raise StoreUnavailable(f"cannot connect to {redact(self.url)}: {error}") from error
                raise
            local.pid = os.getpid()
        return local.connection

    def _roll_back(self, connection: Any) -> None:
        with suppress(Exception):  # the connection is gone: the server rolled the transaction back itself
            connection.execute("ROLLBACK")
        if self.broken(connection):
            self.close()


def lock_number(name: str) -> int:
    """A stable signed 32-bit number for a lock name (PostgreSQL's advisory locks are numbered)."""
    return zlib.crc32(name.encode()) - 2**31


def make_engine(url: str) -> Engine:
    """The engine a database URL names; BadDatabaseURL when the URL cannot be used."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as error:
        raise BadDatabaseURL(url, str(error)) from None
    if parts.scheme == "sqlite":
        from entraide.store.sqlite import SQLiteEngine

        return SQLiteEngine(url, _sqlite_path(url, parts))
    if parts.scheme in ("postgresql", "postgres"):
        _check_postgresql(url, parts)
        from entraide.store.postgresql import PostgreSQLEngine

        return PostgreSQLEngine(url.strip())
    raise BadDatabaseURL(url, "it must start with sqlite:/// or postgresql://")


def _sqlite_path(url: str, parts: SplitResult) -> str:
    if parts.netloc:
        raise BadDatabaseURL(url, "a SQLite URL has no host: three slashes after sqlite:")
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if not path or path == ":memory:":
        raise BadDatabaseURL(url, "name a file (several processes share it); :memory: is not shared")
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise BadDatabaseURL(url, f"the folder {folder} does not exist")
    return path


def _check_postgresql(url: str, parts: SplitResult) -> None:
    try:
        parts.port  # noqa: B018 - reading it validates it
    except ValueError:
        raise BadDatabaseURL(url, "the port must be a number") from None
    if not parts.hostname and "host=" not in parts.query:
        raise BadDatabaseURL(url, "name the server: postgresql://user:password@host:5432/name")
    if not parts.path.strip("/") and "dbname=" not in parts.query:
        raise BadDatabaseURL(url, "name the database after the server: …@host:5432/name")
