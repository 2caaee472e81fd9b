"""Fixtures of the store's tests: each test runs twice, on SQLite in a file and on a real PostgreSQL server.

`postgres` is one throw-away cluster for the whole run (pg_cluster.py: Debian's binaries, a temporary
folder, a non-root user); each PostgreSQL test gets its own empty schema in it, each SQLite test its own
file. `database_url` is that empty database, `store` the same upgraded to the code's schema.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pg_cluster.py and workers.py, for the tests and their children

from pg_cluster import Cluster, ClusterUnavailable

from entraide.store import Store, open_store, upgrade

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres():
    try:
        cluster = Cluster()
    except ClusterUnavailable as missing:
        pytest.fail(str(missing))
    with cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres: Cluster):
    """An empty schema of its own in the cluster, as the URL's search path."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    postgres.sql(f"CREATE SCHEMA {schema}")
    yield f"{postgres.url()}?options=-csearch_path%3D{schema}"
    postgres.sql(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/entraide.db"
    return request.getfixturevalue("postgres_url")


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
