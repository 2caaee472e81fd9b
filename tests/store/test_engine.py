"""The engines: URLs checked up front, connections per thread and process, a dropped connection replaced,
an unreachable or busy database reported as StoreUnavailable, nothing heavy imported for SQLite."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from entraide.store import BadDatabaseURL, StoreUnavailable, open_store, upgrade
from entraide.store import sqlite as sqlite_engine
from tests.harness.ports import free_port

NOW = 1_000_000.0


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://user:hunter2@db/entraide", "must start with sqlite:/// or postgresql://"),
        ("entraide.db", "must start with sqlite:/// or postgresql://"),
        ("sqlite://entraide.db", "no host: three slashes"),
        ("sqlite:///", "name a file"),
        ("sqlite:///:memory:", ":memory: is not shared"),
        ("sqlite:///no/such/folder/entraide.db", "the folder no/such/folder does not exist"),
        ("postgresql://user:hunter2@db.example:port/entraide", "the port must be a number"),
        ("postgresql://user:hunter2@db.example:5432/", "name the database"),
        ("postgresql:///entraide", "name the server"),
    ],
)
def test_a_malformed_url_is_refused_naming_the_variable_and_never_the_password(url, problem):
    with pytest.raises(BadDatabaseURL) as refused:
        open_store(url)
    assert str(refused.value).startswith("ENTRAIDE_DATABASE_URL=")
    assert problem in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_the_sqlite_path_imports_no_postgresql_driver(tmp_path: Path):
    script = (
        "import sys\n"
        "from entraide.store import open_store, upgrade, check_schema\n"
        f"store = open_store('sqlite:///{tmp_path}/entraide.db')\n"
        "upgrade(store); check_schema(store)\n"
        "assert store.limits.hit('submit', 5, 60, 1e6) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'psycopg_binary', 'requests')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_sqlite_runs_in_wal_mode(tmp_path: Path):
    open_store(f"sqlite:///{tmp_path}/entraide.db").ping()
    assert sqlite3.connect(tmp_path / "entraide.db").execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_block_that_raises_writes_nothing(store, rows):
    with pytest.raises(RuntimeError), store.engine.transaction() as transaction:
        transaction.execute("INSERT INTO used_tokens (token_id, expires_at) VALUES (?, ?)", ("t1", NOW))
        raise RuntimeError("the caller changed its mind")
    assert rows("used_tokens") == 0
    assert store.tokens.use_once("t1", NOW) is True  # the connection is still good


def test_threads_share_one_store(store):
    allowed = []

    def knock() -> None:
        allowed.extend(store.limits.hit("submit", 50, 60, NOW) == 0 for _ in range(15))

    threads = [threading.Thread(target=knock) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 50


def _knock(store, start) -> tuple[int, int | None]:
    """Hits while the other process hits too; and the server process serving this one (PostgreSQL)."""
    start.wait(timeout=60)
    allowed = sum(store.limits.hit("submit", 1000, 60, NOW) == 0 for _ in range(30))
    if store.dialect != "postgresql":
        return allowed, None
    with store.engine.transaction(write=False) as transaction:
        return allowed, transaction.row("SELECT pg_backend_pid()")[0]


def _knock_from_child(store, start, results) -> None:
    results.put(_knock(store, start))


def test_a_forked_process_opens_its_own_connection(store):
    store.ping()  # the parent's connection is open before the fork
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(2), context.Queue()
    child = context.Process(target=_knock_from_child, args=(store, start, results))
    child.start()
    parent_allowed, parent_server = _knock(store, start)
    child_allowed, child_server = results.get(timeout=60)
    child.join(timeout=60)
    assert (parent_allowed, child_allowed, child.exitcode) == (30, 30, 0)
    assert parent_server is None or parent_server != child_server


def test_a_connection_the_server_dropped_is_replaced(postgres, postgres_url):
    store = open_store(postgres_url)
    upgrade(store)
    assert store.limits.hit("submit", 5, 60, NOW) == 0
    postgres.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'entraide'")
    assert store.limits.hit("submit", 5, 60, NOW) == 0
    assert store.tokens.use_once("form.1.a", NOW) is True
    store.close()


def test_an_unreachable_server_is_unavailable_and_the_password_stays_out_of_the_message():
    store = open_store(f"postgresql://entraide:hunter2@127.0.0.1:{free_port()}/entraide?connect_timeout=2")
    with pytest.raises(StoreUnavailable) as refused:
        store.limits.hit("submit", 5, 60, NOW)
    assert "hunter2" not in str(refused.value)
    assert refused.value.retry_after > 0


def test_a_sqlite_file_locked_too_long_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sqlite_engine, "BUSY_TIMEOUT_SECONDS", 0.2)
    store = open_store(f"sqlite:///{tmp_path}/entraide.db")
    upgrade(store)
    other = sqlite3.connect(tmp_path / "entraide.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock and does not let go
    with pytest.raises(StoreUnavailable, match="locked"):
        store.limits.hit("submit", 5, 60, NOW)
    other.execute("ROLLBACK")
    assert store.limits.hit("submit", 5, 60, NOW) == 0
