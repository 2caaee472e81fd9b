"""PostgreSQL 13 or newer through psycopg 3: the engine for several instances sharing one database.

psycopg is imported when the first connection opens (about 120 ms: a cold Lambda on SQLite never pays it,
one on PostgreSQL pays it once). Connections are in autocommit mode and the store sends BEGIN and COMMIT
itself, so a transaction is exactly the block the store wrote; prepared statements are off
(`prepare_threshold=None`) so the store works behind a pooler in transaction mode (PgBouncer, RDS Proxy),
where consecutive transactions may reach different server connections. A URL without `connect_timeout`
gets CONNECT_TIMEOUT_SECONDS, so an unreachable server answers StoreUnavailable instead of hanging a request.
"""

from __future__ import annotations

import re
from typing import Any

from entraide.store.engine import Engine, Transaction, lock_number

CONNECT_TIMEOUT_SECONDS = 5
PLACEHOLDER = re.compile(r"\?")


class PostgreSQLEngine(Engine):
    dialect = "postgresql"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._translated: dict[str, str] = {}

    def connect(self) -> Any:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        settings = conninfo_to_dict(self.url)
        extra: dict[str, Any] = {"application_name": "entraide"}
        if "connect_timeout" not in settings:
            extra["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        return psycopg.connect(self.url, autocommit=True, prepare_threshold=None, **extra)

    def begin_statement(self, write: bool) -> str:
        return "BEGIN"  # READ COMMITTED: each statement sees what committed before it; rows are locked as written

    def unavailable(self, error: BaseException) -> bool:
        import psycopg

        return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)

    def broken(self, connection: Any) -> bool:
        return bool(connection.closed or connection.broken)

    def translate(self, sql: str) -> str:
        translated = self._translated.get(sql)
        if translated is None:
            translated = self._translated[sql] = PLACEHOLDER.sub("%s", sql)
        return translated

    def serialise(self, transaction: Transaction, name: str) -> None:
        transaction.execute("SELECT pg_advisory_xact_lock(?)", (lock_number(name),))

    def lock_table(self, transaction: Transaction, table: str) -> None:
        transaction.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")  # conflicts with itself only

    def table_exists(self, transaction: Transaction, table: str) -> bool:
        return transaction.row("SELECT to_regclass(?) IS NOT NULL", (table,))[0]
