"""Idempotency keys: the first writer wins, a repeat gets the first value, an expired key is free again."""

from __future__ import annotations

import pytest

NOW = 1_000_000.0


def test_the_first_writer_wins(store):
    assert store.idempotency.remember("submission:4f2a", "meylan-2026-11-20-k3v9qa", NOW, 3600) is None
    assert store.idempotency.remember("submission:4f2a", "meylan-2026-11-20-zzzzzz", NOW + 5, 3600) == (
        "meylan-2026-11-20-k3v9qa"
    )
    assert store.idempotency.remember("submission:9c1d", "grenoble-2026-11-20-aaaaaa", NOW, 3600) is None


def test_an_expired_key_is_free_again(store):
    store.idempotency.remember("submission:4f2a", "first", NOW, 60)
    assert store.idempotency.remember("submission:4f2a", "second", NOW + 59, 60) == "first"
    assert store.idempotency.remember("submission:4f2a", "second", NOW + 60, 60) is None
    assert store.idempotency.remember("submission:4f2a", "third", NOW + 61, 60) == "second"


def test_expired_keys_are_purged(store, rows):
    store.idempotency.remember("submission:4f2a", "first", NOW, 60)
    store.idempotency.remember("submission:9c1d", "other", NOW + 3600, 60)
    assert rows("idempotency_keys") == 1


@pytest.mark.parametrize("key", ["lea@example.org", "with space", "", "x" * 201])
def test_a_key_that_is_not_opaque_is_refused(store, rows, key):
    with pytest.raises(ValueError, match="never personal data"):
        store.idempotency.remember(key, "value", NOW, 60)
    assert rows("idempotency_keys") == 0
