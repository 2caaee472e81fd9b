"""Migrations: numbered files applied once each, all or nothing; a database older than the code is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from entraide.store import SchemaOutdated, StoreError, check_schema, open_store, schema_version, upgrade
from entraide.store.migrations import MIGRATIONS_FOLDER, MigrationFailed, code_version, load_migrations

SUBSCRIPTIONS = """-- The alerts' subscriptions (issue 11): an address sealed, a keyed hash for equality.
CREATE TABLE subscriptions (
    address_hash TEXT PRIMARY KEY,
    sealed_address TEXT NOT NULL,
    communes TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX subscriptions_expiry ON subscriptions (expires_at);
"""


@pytest.fixture
def empty(database_url):
    opened = open_store(database_url)
    yield opened
    opened.close()


@pytest.fixture
def later(tmp_path: Path) -> Path:
    """The shipped migrations and one more, as a later version of the code would have them."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_FOLDER, folder)
    (folder / f"{code_version() + 1:04d}_subscriptions.sql").write_text(SUBSCRIPTIONS)
    return folder


def test_an_empty_database_is_refused_with_the_command_to_run(empty):
    with pytest.raises(SchemaOutdated, match=r"schema is empty.*run `entraide db upgrade`"):
        check_schema(empty)


def test_upgrade_applies_every_migration_once(empty):
    assert [m.name for m in upgrade(empty)] == [m.name for m in load_migrations()]
    assert load_migrations()[0].name == "initial"
    assert check_schema(empty) == code_version() == schema_version(empty)
    assert upgrade(empty) == []


def test_a_new_table_is_one_more_file(store, later):
    with pytest.raises(
        SchemaOutdated, match=rf"at version {code_version()}, this code needs version {code_version() + 1}"
    ):
        check_schema(store, later)
    assert [m.name for m in upgrade(store, later)] == ["subscriptions"]
    assert check_schema(store, later) == code_version() + 1
    with store.engine.transaction() as transaction:
        transaction.execute(
            "INSERT INTO subscriptions (address_hash, sealed_address, communes, expires_at) VALUES (?, ?, ?, ?)",
            ("3fa9" * 16, "sealed:v1:…", "38185", 1.0),
        )
    assert check_schema(store) == code_version() + 1  # the older code runs on the newer schema


def test_a_failing_migration_leaves_nothing_behind(store, later):
    (later / f"{code_version() + 2:04d}_broken.sql").write_text(
        "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
    )
    with pytest.raises(MigrationFailed, match=f"migration {code_version() + 2:04d}_broken failed.*no_such_table"):
        upgrade(store, later)
    assert schema_version(store) == code_version() + 1  # the migration before it stands
    with store.engine.transaction(write=False) as transaction:
        assert not store.engine.table_exists(transaction, "half_done")


def test_a_gap_in_the_numbers_is_refused(store, later):
    (later / f"{code_version() + 3:04d}_orphan.sql").write_text("CREATE TABLE orphan (x INTEGER);\n")
    with pytest.raises(StoreError, match=f"migration {code_version() + 2:04d} is missing"):
        upgrade(store, later)
    assert schema_version(store) == code_version()
