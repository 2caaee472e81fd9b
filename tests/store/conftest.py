"""Fixtures of the store's tests. Each test taking `database_url` or `store` (tests/harness/postgres.py) runs
twice, on SQLite in a file and on a real PostgreSQL server; `store` is that database upgraded to the code's
schema."""

from __future__ import annotations

import pytest

from entraide.store import Store


@pytest.fixture
def rows(store: Store):
    """rows(table): how many rows a table holds now, read straight from the database."""

    def count(table: str) -> int:
        with store.engine.transaction(write=False) as transaction:
            return transaction.row(f"SELECT COUNT(*) FROM {table}")[0]

    return count
