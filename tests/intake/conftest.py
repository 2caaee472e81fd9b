"""Fixtures of the intake's tests across real processes: the fake GitHub, an intake filing forms.

Tests taking `database_url` or `store` (tests/harness/postgres.py) run twice: on SQLite in a file and on a
real PostgreSQL server; `store` is that database brought up to date, as `entraide db upgrade` does.
"""

from __future__ import annotations

import pytest

from entraide.config import Config
from entraide.intake import Intake
from entraide.sealing import KeyPair
from tests.forge.fake_github import metropole_repository

from .workers import TOKEN


@pytest.fixture
def fake_github():
    with metropole_repository(TOKEN, "the publisher") as fake:
        yield fake


@pytest.fixture
def intake(store) -> Intake:
    """The core intake on `store`, as the endpoint builds it (no mail: these residents leave a phone number)."""
    config = Config.from_environ({"ENTRAIDE_GEOCODER_URL": ""})
    return Intake(config, KeyPair.generate(), store, secret=b"a test secret, not a real one")
