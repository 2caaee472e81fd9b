"""Leases: one holder at a time, renewed by its holder, taken over once expired, released at will."""

from __future__ import annotations

from entraide.store import new_holder

NOW = 1_000_000.0


def test_one_holder_at_a_time(store):
    assert store.leases.acquire("publisher", "host-a:12:ab", NOW, 60) is True
    assert store.leases.acquire("publisher", "host-b:34:cd", NOW + 30, 60) is False
    assert store.leases.holder("publisher", NOW + 30) == "host-a:12:ab"
    assert store.leases.acquire("alerts-sender", "host-b:34:cd", NOW, 60) is True  # another role


def test_the_holder_renews_and_an_expired_lease_is_taken_over(store):
    store.leases.acquire("publisher", "host-a:12:ab", NOW, 60)
    assert store.leases.acquire("publisher", "host-a:12:ab", NOW + 50, 60) is True  # renewed until NOW + 110
    assert store.leases.acquire("publisher", "host-b:34:cd", NOW + 100, 60) is False
    assert store.leases.acquire("publisher", "host-b:34:cd", NOW + 110, 60) is True
    assert store.leases.holder("publisher", NOW + 111) == "host-b:34:cd"
    assert store.leases.acquire("publisher", "host-a:12:ab", NOW + 111, 60) is False


def test_release_frees_the_lease_for_its_holder_only(store):
    store.leases.acquire("publisher", "host-a:12:ab", NOW, 60)
    store.leases.release("publisher", "host-b:34:cd")
    assert store.leases.holder("publisher", NOW) == "host-a:12:ab"
    store.leases.release("publisher", "host-a:12:ab")
    assert store.leases.holder("publisher", NOW) is None
    assert store.leases.acquire("publisher", "host-b:34:cd", NOW, 60) is True


def test_holders_are_told_apart(store):
    first, second = new_holder(), new_holder()
    assert first != second
    assert store.leases.acquire("publisher", first, NOW, 60) is True
    assert store.leases.acquire("publisher", second, NOW, 60) is False
