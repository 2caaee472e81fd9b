"""A versioned schema: numbered SQL files, each applied once, in order, in one transaction with its number.

`migrations/NNNN_what.sql` holds plain SQL that both engines run (each statement ends with `;` at the end
of a line). A new table, such as the alerts' subscriptions, is a new file with the next number: nothing
else changes. A released file is never edited; a change is a new file. Migrations only add, so code one
version older still runs on an upgraded database (a rollback of the code needs no rollback of the schema).

`entraide db upgrade` applies what is missing, several instances at once safely (the first applies, the
others find it done); `check_schema(store)` at start-up refuses a database older than the code.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from entraide.store.engine import StoreError, Transaction

if TYPE_CHECKING:
    from entraide.store import Store

MIGRATIONS_FOLDER = Path(__file__).parent / "migrations"
FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)
COMMENT = re.compile(r"--[^\n]*")
LOCK = "entraide-schema"
VERSION_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL
)"""


class MigrationFailed(StoreError):
    """A migration stopped half-way: its transaction was rolled back, so nothing of it was applied."""


class SchemaOutdated(StoreError):
    """The database's schema is older than the code: `entraide db upgrade` brings it up to date."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def load_migrations(folder: Path = MIGRATIONS_FOLDER) -> list[Migration]:
    """The migrations of a folder in order; StoreError when their numbers do not run 1, 2, 3…"""
    migrations = [_read(path, match) for path in folder.iterdir() if (match := FILE_NAME.match(path.name))]
    migrations.sort(key=lambda migration: migration.version)
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise StoreError(f"migration {expected:04d} is missing from {folder}: the numbers must follow on")
    return migrations


def code_version(folder: Path = MIGRATIONS_FOLDER) -> int:
    """The schema version this code needs: the highest migration number."""
    return max((int(match[1]) for path in folder.iterdir() if (match := FILE_NAME.match(path.name))), default=0)


def schema_version(store: Store) -> int:
    """The database's schema version: 0 for an empty database."""
    with store.engine.transaction(write=False) as transaction:
        return _version(transaction)


def upgrade(store: Store, folder: Path = MIGRATIONS_FOLDER) -> list[Migration]:
    """Apply the migrations the database lacks; returns those this call applied."""
    applied = []
    for migration in load_migrations(folder):
        try:
            if _apply(store, migration):
                applied.append(migration)
        except StoreError:
            raise
        except Exception as error:
            raise MigrationFailed(
                f"migration {migration.version:04d}_{migration.name} failed, nothing of it was applied: {error}"
            ) from error
    return applied


def _apply(store: Store, migration: Migration) -> bool:
    """Apply one migration unless another process already has; whether this call applied it."""
    with store.engine.transaction() as transaction:
        transaction.serialise(LOCK)
        transaction.execute(VERSION_TABLE)
        if _version(transaction) >= migration.version:
            return False
        for statement in migration.statements:
            transaction.execute(statement)
        transaction.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, time.time()),
        )
    return True


def check_schema(store: Store, folder: Path = MIGRATIONS_FOLDER) -> int:
    """The database's schema version, or SchemaOutdated when it is older than the code."""
    found, needed = schema_version(store), code_version(folder)
    if found < needed:
        state = "empty" if found == 0 else f"at version {found}"
        raise SchemaOutdated(
            f"the database schema is {state}, this code needs version {needed}: "
            "run `entraide db upgrade` (with the same ENTRAIDE_DATABASE_URL), then start again"
        )
    return found


def _version(transaction: Transaction) -> int:
    if not transaction.engine.table_exists(transaction, "schema_migrations"):
        return 0
    return transaction.row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0]


def _read(path: Path, match: re.Match[str]) -> Migration:
    text = COMMENT.sub("", path.read_text(encoding="utf-8"))
    statements = tuple(s.strip() for s in STATEMENT_END.split(text) if s.strip())
    return Migration(int(match[1]), match[2], statements)
