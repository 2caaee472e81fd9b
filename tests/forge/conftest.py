"""Fixtures of the github backend's tests: a fake GitHub on 127.0.0.1 and a backend pointed at it."""

from __future__ import annotations

import pytest

from entraide.backends.github import GitHubBackend
from entraide.entries import Entry, to_yaml
from entraide.forge import Limits
from entraide.sealing import Contact, KeyPair, hash_withdraw_key

from .clock import ManualClock
from .fake_github import FakeGitHub
from .secret_values import EMAIL, PHONE, TOKEN


@pytest.fixture(scope="session")
def keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture
def entry(keys: KeyPair) -> Entry:
    return Entry(
        id="meylan-20260320-ab12cd34",
        kind="offer",
        category="groceries",
        commune="38229",
        title="Je fais vos courses le samedi",
        description="Je passe au marché et au supermarché le samedi matin.\nJe peux porter les sacs jusqu'à chez vous.",
        name="Marie",
        availability="le samedi matin",
        location=(5.77835, 45.21134),
        created="2026-03-20T09:30:00+01:00",
        expires="2026-04-19",
        contact=keys.seal(Contact(email=EMAIL, phone=PHONE)),
        withdraw_key_hash=hash_withdraw_key("cle-secrete"),
    )


@pytest.fixture
def published(keys: KeyPair) -> Entry:
    """An entry already merged on the base branch, with an id that does not say its commune."""
    return Entry(
        id="exemple-2020-000042",
        kind="request",
        category="conversation",
        commune="38185",
        title="Discuter au téléphone",
        description="J'aimerais parler un peu chaque semaine avec quelqu'un.",
        name="Jean",
        created="2026-03-18T10:00:00+01:00",
        expires="2026-04-17",
        contact=keys.seal(Contact(phone=PHONE)),
        withdraw_key_hash=hash_withdraw_key("autre-cle"),
    )


@pytest.fixture
def fake_github(published: Entry):
    fake = FakeGitHub(
        token=TOKEN,
        files={
            f"submissions/grenoble/{published.id}.yaml": to_yaml(published),
            "submissions/meylan/.gitkeep": "",
            "README.md": "Entraide\n",
        },
    ).start()
    yield fake
    fake.stop()
    assert fake.violations == [], "the backend or the fake broke GitHub's contract:\n" + "\n".join(fake.violations)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def limits() -> Limits:
    """GitHub's limits, without the second between writes (its own test): sleeps say only what a test is about."""
    return Limits(max_wait_seconds=5, timeout_retry_after_seconds=30, write_interval_seconds=0)


@pytest.fixture
def backend(fake_github: FakeGitHub, clock: ManualClock, limits: Limits) -> GitHubBackend:
    return GitHubBackend(
        f"{fake_github.owner}/{fake_github.repo}",
        TOKEN,
        api_url=fake_github.url,
        site_url="https://entraide.example.org",
        timeout_seconds=2.0,
        connect_timeout_seconds=2.0,
        limits=limits,
        clock=clock,
    )
