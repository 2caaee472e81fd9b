"""Fixtures of the intake's tests across real processes: both engines, the fake GitHub, an intake filing forms.

`database_url` is an empty database on SQLite and on a real PostgreSQL server in turn (tests/store/engines.py);
`store` is that database brought up to date, as `entraide db upgrade` does at installation.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "store"))  # engines.py, pg_cluster.py
sys.path.insert(0, str(Path(__file__).parents[1] / "forge"))  # fake_github.py, contract.py

import engines
from fake_github import FakeGitHub

from entraide.config import Config
from entraide.intake import Intake
from entraide.sealing import KeyPair
from entraide.store import open_store, upgrade

from .workers import TOKEN

postgres, postgres_url, database_url = engines.postgres, engines.postgres_url, engines.database_url  # shared fixtures

FORM = {
    "kind": "offer",
    "category": "groceries",
    "commune": "38229",
    "description": "Je passe au marché le samedi matin et je dépose les sacs devant votre porte.",
    "name": "Léa",
    "phone": "06 12 34 56 78",
    "consent": "on",
}


@pytest.fixture
def store(database_url: str):
    opened = open_store(database_url)
    upgrade(opened)
    yield opened
    opened.close()


@pytest.fixture
def fake_github():
    fake = FakeGitHub(owner="metropole", repo="entraide", token=TOKEN, files={"submissions/meylan/.gitkeep": ""})
    fake.start()
    yield fake
    fake.stop()
    assert fake.violations == [], "the publisher or the fake broke GitHub's contract:\n" + "\n".join(fake.violations)


@pytest.fixture
def intake(store) -> Intake:
    """The core intake on `store`, as the endpoint builds it (no mail: these residents leave a phone number)."""
    config = Config.from_environ({"ENTRAIDE_GEOCODER_URL": ""})
    return Intake(config, KeyPair.generate(), store, secret=b"a test secret, not a real one")
