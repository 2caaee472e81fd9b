"""The endpoint's own publisher, which hands queued entries over after each answer: on PostgreSQL it keeps one
connection, however many residents it publishes for. A connection costs a managed server a process and a
TLS and password handshake: one per submission would double a launch's connections."""

from __future__ import annotations

import time

import psycopg

from entraide.config import Config
from entraide.endpoint.app import create_app
from entraide.publisher import LEASE, LEASE_SECONDS
from entraide.sealing import KeyPair
from entraide.store import open_store, upgrade
from tests.harness.endpoint import wait_for

from .residents import FORM

SUBMISSIONS = 10
SESSIONS = "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"


def sessions_opened(url: str) -> int:
    """Connections the server has accepted on this database so far (this question's own included)."""
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(SESSIONS).fetchone()[0]


def test_the_endpoint_publishes_every_submission_over_one_database_connection(postgres, tmp_path):
    url = postgres.create_database("publisher_connection")
    store = open_store(url)
    upgrade(store)
    store.close()
    config = Config.from_environ(
        {
            "ENTRAIDE_DATABASE_URL": url,
            "ENTRAIDE_PRIVATE_KEY": KeyPair.generate().private,
            "ENTRAIDE_PENDING_PATH": str(tmp_path / "pending"),
            "ENTRAIDE_GEOCODER_URL": "",
        }
    )
    app = create_app(config)
    app.intake.file({**FORM, "title": "Courses du samedi"})  # the request threads' own connection is open now
    before = sessions_opened(url)
    for number in range(SUBMISSIONS):
        app.intake.file({**FORM, "title": f"Courses du samedi n° {number}"})
        app.publish_soon()  # what /submit does after it answers
        deadline = time.monotonic() + 30
        while app.publishing or app.store.queue.stats(time.time()).waiting:
            assert time.monotonic() < deadline, "the endpoint's publisher did not hand the entries over"
            time.sleep(0.01)
    assert len(list((tmp_path / "pending").rglob("*.yaml"))) == SUBMISSIONS + 1
    assert sessions_opened(url) - before <= 2  # the publisher's connection, and this question's


def test_an_entry_queued_while_another_instance_publishes_is_handed_over_once_it_stops(tmp_path):
    """The other instance may have ended its claims just before this entry was queued: nobody must forget it."""
    url = f"sqlite:///{tmp_path}/entraide.db"
    upgrade(open_store(url))
    app = create_app(
        Config.from_environ(
            {
                "ENTRAIDE_DATABASE_URL": url,
                "ENTRAIDE_PRIVATE_KEY": KeyPair.generate().private,
                "ENTRAIDE_PENDING_PATH": str(tmp_path / "pending"),
                "ENTRAIDE_GEOCODER_URL": "",
            }
        )
    )
    assert app.store.leases.acquire(LEASE, "another-instance", time.time(), LEASE_SECONDS)
    app.intake.file({**FORM, "title": "Courses du samedi"})
    app.publish_soon()
    wait_for(lambda: not app.publishing)  # this process tried, and found the other one publishing
    assert app.store.queue.stats(time.time()).waiting == 1

    app.store.leases.release(LEASE, "another-instance")  # its run ends, without having seen this entry
    wait_for(lambda: list((tmp_path / "pending").rglob("*.yaml")), timeout=30)
    assert app.store.queue.stats(time.time()).waiting == 0
