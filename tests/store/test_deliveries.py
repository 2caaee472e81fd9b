"""The alerts' sending record: each entry matched once, listed in one digest per subscriber, never twice."""

from __future__ import annotations

from entraide.store import Choices, SeenEntry

NOW = 1_000_000.0
SEALED = "sealed:v2:AAAA"


def entry(number: int) -> SeenEntry:
    return SeenEntry(f"grenoble-{number}", "38185", "courses", "request", f"Titre {number}", f"/annonces/{number}/")


def subscribe(store, number: int) -> str:
    pending = store.subscriptions.ask(f"{number:032x}", SEALED, Choices(), NOW - 10, 3600)
    return store.subscriptions.confirm(pending, NOW - 10, 86400).subscription_id


def test_what_was_online_before_the_first_run_is_not_announced(store):
    store.deliveries.see([entry(1)], NOW)
    assert store.deliveries.due(NOW) == []
    store.deliveries.see([entry(1), entry(2)], NOW + 60)
    assert [e.entry_id for e in store.deliveries.due(NOW + 60)] == ["grenoble-2"]
    assert store.deliveries.due(NOW + 59) == []  # seen at NOW + 60: not yet published long enough


def test_an_entry_is_delivered_once_per_subscriber(store):
    alice, bob = subscribe(store, 1), subscribe(store, 2)
    store.deliveries.see([], NOW)
    store.deliveries.see([entry(1)], NOW)
    store.deliveries.match(["grenoble-1"], [(alice, "grenoble-1"), (bob, "grenoble-1")], NOW)
    store.deliveries.match(["grenoble-1"], [(alice, "grenoble-1")], NOW)  # a rerun matching again adds nothing
    assert store.deliveries.due(NOW) == []
    waiting = store.deliveries.waiting()
    assert {key: [e.entry_id for e in value] for key, value in waiting.items()} == {
        alice: ["grenoble-1"],
        bob: ["grenoble-1"],
    }
    assert store.deliveries.start_mail("mail-a", alice, ["grenoble-1"], NOW) is True
    assert store.deliveries.start_mail("mail-a2", alice, ["grenoble-1"], NOW) is False  # already in a digest
    assert list(store.deliveries.waiting()) == [bob]
    assert store.deliveries.unfinished(NOW + 1) == [("mail-a", False)]
    store.deliveries.mark_ending("mail-a", NOW)
    assert store.deliveries.unfinished(NOW + 1) == [("mail-a", True)]
    store.deliveries.mark_sent("mail-a", NOW)
    assert store.deliveries.unfinished(NOW + 1) == []
    assert store.deliveries.started_since(NOW - 3600) == 1
    assert store.subscriptions.get(alice, NOW).last_mail_at == NOW


def test_a_withdrawn_entry_is_forgotten_and_an_ended_subscription_gets_nothing(store, rows):
    alice, bob = subscribe(store, 1), subscribe(store, 2)
    store.deliveries.see([], NOW)
    store.deliveries.see([entry(1), entry(2)], NOW)
    store.deliveries.match(
        ["grenoble-1", "grenoble-2"], [(alice, "grenoble-1"), (alice, "grenoble-2"), (bob, "grenoble-2")], NOW
    )
    store.deliveries.forget(["grenoble-1"])
    store.subscriptions.cancel(bob)
    assert {key: [e.entry_id for e in value] for key, value in store.deliveries.waiting().items()} == {
        alice: ["grenoble-2"]
    }
    store.purge_expired(NOW + 61 * 86400)
    assert rows("alert_deliveries") == 0 and rows("alert_entries") == 0
