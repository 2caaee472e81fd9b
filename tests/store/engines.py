"""Both engines as fixtures, for every test folder whose tests run twice: on SQLite in a file and on a real
PostgreSQL server.

`postgres` is one throw-away cluster per folder that imports these fixtures (pg_cluster.py: Debian's binaries,
a temporary folder, a non-root user); each PostgreSQL test gets its own empty schema in it, each SQLite test
its own file. `database_url` is that empty database, on each engine in turn.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pg_cluster.py, for the tests and their children

from pg_cluster import Cluster, ClusterUnavailable

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
