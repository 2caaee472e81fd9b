"""Alert subscriptions: double opt-in (one pending confirmation per address), changes, ends; never an address."""

from __future__ import annotations

import pytest

from entraide.store import Choices

NOW = 1_000_000.0
DAY = 86400.0
HASH = "a1" * 16
OTHER = "b2" * 16
SEALED = "sealed:v2:AAAA"
GRENOBLE = Choices(communes=("38185",), categories=("courses",), kinds=(), frequency="daily")


def test_a_subscription_counts_once_confirmed(store, rows):
    pending = store.subscriptions.ask(HASH, SEALED, GRENOBLE, NOW, 2 * DAY)
    assert pending and rows("alert_subscriptions") == 0
    subscription = store.subscriptions.confirm(pending, NOW + 60, 90 * DAY)
    assert subscription.choices == GRENOBLE
    assert subscription.expires_at == NOW + 60 + 90 * DAY
    assert [s.subscription_id for s in store.subscriptions.active(NOW + 120)] == [subscription.subscription_id]
    assert store.subscriptions.confirm(pending, NOW + 120, 90 * DAY) is None  # a link serves once
    assert rows("alert_pending") == 0


def test_one_pending_confirmation_per_address(store, rows):
    assert store.subscriptions.ask(HASH, SEALED, GRENOBLE, NOW, 2 * DAY)
    assert store.subscriptions.ask(HASH, SEALED, Choices(), NOW + 3600, 2 * DAY) is None
    assert store.subscriptions.pending_until(HASH, NOW + 3600) == NOW + 2 * DAY
    assert store.subscriptions.ask(OTHER, SEALED, Choices(), NOW + 3600, 2 * DAY)
    assert rows("alert_pending") == 2
    # Once the first one has expired, the address may ask again.
    assert store.subscriptions.ask(HASH, SEALED, Choices(), NOW + 2 * DAY, 2 * DAY)


def test_an_expired_confirmation_does_nothing(store, rows):
    pending = store.subscriptions.ask(HASH, SEALED, GRENOBLE, NOW, 2 * DAY)
    assert store.subscriptions.confirm(pending, NOW + 2 * DAY, 90 * DAY) is None
    assert rows("alert_subscriptions") == 0


def test_confirming_again_keeps_the_subscription_and_takes_the_new_choices(store):
    first = store.subscriptions.confirm(store.subscriptions.ask(HASH, SEALED, GRENOBLE, NOW, DAY), NOW, 90 * DAY)
    everything = Choices(frequency="hourly")
    pending = store.subscriptions.ask(HASH, SEALED, everything, NOW + 10, DAY)
    again = store.subscriptions.confirm(pending, NOW + 10, 90 * DAY)
    assert again.subscription_id == first.subscription_id and again.confirmed_at == NOW
    assert store.subscriptions.get(first.subscription_id, NOW + 20).choices == everything


def test_change_renews_and_cancel_ends(store, rows):
    subscription = store.subscriptions.confirm(store.subscriptions.ask(HASH, SEALED, GRENOBLE, NOW, DAY), NOW, 90 * DAY)
    assert store.subscriptions.change(subscription.subscription_id, Choices(), NOW + 30 * DAY, 90 * DAY)
    assert store.subscriptions.get(subscription.subscription_id, NOW + 100 * DAY).choices == Choices()
    assert store.subscriptions.cancel(subscription.subscription_id) is True
    assert store.subscriptions.cancel(subscription.subscription_id) is False
    assert store.subscriptions.get(subscription.subscription_id, NOW) is None
    assert rows("alert_subscriptions") == 0


def test_subscriptions_end_by_themselves(store, rows):
    subscription = store.subscriptions.confirm(store.subscriptions.ask(HASH, SEALED, GRENOBLE, NOW, DAY), NOW, 90 * DAY)
    assert store.subscriptions.active(NOW + 90 * DAY) == []
    assert store.subscriptions.get(subscription.subscription_id, NOW + 90 * DAY) is None
    store.purge_expired(NOW + 90 * DAY)
    assert rows("alert_subscriptions") == 0


def test_an_address_in_clear_is_refused(store, rows):
    with pytest.raises(ValueError):
        store.subscriptions.ask("lea@example.org", SEALED, GRENOBLE, NOW, DAY)
    with pytest.raises(ValueError):
        store.subscriptions.ask(HASH, "lea@example.org", GRENOBLE, NOW, DAY)
    assert rows("alert_pending") == 0


def test_choices_match_entries():
    assert GRENOBLE.wants("38185", "courses", "request")
    assert not GRENOBLE.wants("38421", "courses", "request")
    assert not GRENOBLE.wants("38185", "garde", "offer")
    assert Choices().wants("38421", "garde", "offer")
