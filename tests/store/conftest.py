"""Fixtures of the store's tests: each test runs twice, on SQLite in a file and on a real PostgreSQL server.

`postgres`, `postgres_url` and `database_url` (that empty database, on each engine in turn) come from
engines.py; `store` is the same database upgraded to the code's schema.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # engines.py, pg_cluster.py, workers.py: tests and children

import engines

from entraide.store import Store, open_store, upgrade

postgres, postgres_url, database_url = engines.postgres, engines.postgres_url, engines.database_url  # shared fixtures


@pytest.fixture
def store(database_url: str):
    opened = open_store(database_url)
    upgrade(opened)
    yield opened
    opened.close()


@pytest.fixture
def rows(store: Store):
    """rows(table): how many rows a table holds now, read straight from the database."""

    def count(table: str) -> int:
        with store.engine.transaction(write=False) as transaction:
            return transaction.row(f"SELECT COUNT(*) FROM {table}")[0]

    return count
