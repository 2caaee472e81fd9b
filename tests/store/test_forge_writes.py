"""The forge's writes, shared: GitHub's 80 a minute and 500 an hour hold for every instance together."""

from __future__ import annotations

import math

import pytest

NOW = 1_000_000.0


def test_eighty_writes_a_minute_then_a_wait_until_the_first_leaves_the_window(store):
    assert all(store.forge_writes.reserve(1, NOW + i * 0.5, spacing=0) == 0 for i in range(80))
    assert store.forge_writes.reserve(1, NOW + 40, spacing=0) == pytest.approx(20.0)
    assert store.forge_writes.reserve(1, NOW + 60, spacing=0) == 0
    assert store.forge_writes.writes_since(NOW - 1) == 81


def test_five_hundred_writes_an_hour(store):
    store.forge_writes.record_write(NOW, count=500)
    assert store.forge_writes.reserve(1, NOW + 120, spacing=0) == pytest.approx(3480.0)
    assert store.forge_writes.reserve(1, NOW + 3600, spacing=0) == 0


def test_a_refused_reservation_records_nothing(store):
    store.forge_writes.record_write(NOW, count=78)
    assert store.forge_writes.reserve(4, NOW + 1, spacing=0) > 0
    assert store.forge_writes.writes_since(0) == 78
    assert store.forge_writes.reserve(2, NOW + 1, spacing=0) == 0
    assert store.forge_writes.reserve(81, NOW + 3600) == math.inf  # can never fit in 80 a minute


def test_writes_are_a_second_apart(store):
    assert store.forge_writes.reserve(1, NOW) == 0
    assert store.forge_writes.reserve(1, NOW + 0.25) == pytest.approx(0.75)
    assert store.forge_writes.reserve(1, NOW + 1) == 0


def test_a_hold_from_github_stops_every_writer(store):
    store.forge_writes.hold(NOW + 90)
    assert store.forge_writes.reserve(1, NOW) == pytest.approx(90.0)
    assert store.forge_writes.reserve(1, NOW + 90) == 0


def test_old_writes_and_holds_are_purged(store, rows):
    store.forge_writes.record_write(NOW, count=3)
    store.forge_writes.hold(NOW + 60)
    store.forge_writes.reserve(1, NOW + 3 * 3600)
    assert rows("forge_writes") == 1
    assert rows("forge_holds") == 0


def test_asking_how_long_to_wait_records_nothing_and_says_what_reserve_would(store):
    store.forge_writes.record_write(NOW - 1800, count=497)

    assert store.forge_writes.wait_for(3, NOW, spacing=0) == 0
    assert store.forge_writes.wait_for(5, NOW, spacing=0) == pytest.approx(1800.0)
    assert store.forge_writes.writes_since(0) == 497
    assert store.forge_writes.last_write_at() == NOW - 1800
