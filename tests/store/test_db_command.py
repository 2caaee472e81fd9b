"""`entraide db`: the schema brought up to date and checked from the command line, in French, on both engines."""

from __future__ import annotations

import pytest

from entraide.cli import main
from entraide.store.migrations import code_version, load_migrations
from tests.harness.ports import free_port


@pytest.fixture
def entraide_db(capsys: pytest.CaptureFixture[str]):
    """`entraide db ARGS…`: (exit status, standard output, standard error)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["db", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def db(entraide_db, monkeypatch: pytest.MonkeyPatch, database_url: str):
    """The same with ENTRAIDE_DATABASE_URL naming an empty database (SQLite, then PostgreSQL)."""
    monkeypatch.setenv("ENTRAIDE_DATABASE_URL", database_url)
    return entraide_db


def test_upgrade_then_status(db):
    code, out, _ = db("status")
    assert code == 1
    version = code_version()
    assert f"Schéma en retard : version 0, le code attend la version {version}. Lancez : entraide db upgrade" in out
    code, out, _ = db("upgrade")
    assert code == 0
    assert "Migration 0001 appliquée : initial\n" in out
    assert (
        f"Migration {version:04d} appliquée : {load_migrations()[-1].name}\nSchéma à jour (version {version})." in out
    )
    assert db("upgrade")[1].endswith(f"Schéma déjà à jour (version {version}) : rien à faire.\n")
    code, out, _ = db("status")
    assert (code, out.splitlines()[-1]) == (0, f"Schéma à jour (version {version}).")


def test_the_password_is_never_printed(db, database_url):
    _, out, _ = db("upgrade")
    assert out.startswith("Base : ")
    if "@" in database_url:
        password = database_url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        assert password not in out and ":***@" in out


def test_a_malformed_url_is_refused_naming_the_variable(entraide_db):
    code, _, err = entraide_db("upgrade", "--database-url", "sqlite:///no/such/folder/entraide.db")
    assert code == 1
    assert err.startswith("Erreur : réglage invalide : ENTRAIDE_DATABASE_URL=")


def test_an_unreachable_server_changes_nothing_and_says_what_to_check(entraide_db):
    url = f"postgresql://entraide:hunter2@127.0.0.1:{free_port()}/entraide?connect_timeout=2"
    code, _, err = entraide_db("upgrade", "--database-url", url)
    assert code == 1
    assert "la base de données ne répond pas" in err and "vérifiez ENTRAIDE_DATABASE_URL" in err
    assert "hunter2" not in err
