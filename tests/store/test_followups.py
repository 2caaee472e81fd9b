"""Follow-ups are claimed once by whoever comes first; first messages keep only two times per entry."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from entraide.store import Store


def test_a_follow_up_is_claimed_once(store: Store):
    assert not store.followups.sent("grenoble-20261120-3f9a1c2e")
    assert store.followups.claim("grenoble-20261120-3f9a1c2e", 1000.0) is True
    assert store.followups.claim("grenoble-20261120-3f9a1c2e", 1001.0) is False
    assert store.followups.sent("grenoble-20261120-3f9a1c2e")


def test_many_threads_claim_one_follow_up_once(store: Store):
    with ThreadPoolExecutor(8) as pool:
        claimed = list(pool.map(lambda n: store.followups.claim("meylan-20261120-aaaaaaaa", 1000.0 + n), range(16)))
    assert claimed.count(True) == 1


def test_only_the_first_message_counts_and_the_median_is_of_entries(store: Store, rows):
    published = 10_000.0
    assert store.first_messages.record("e-000001", published, published + 3600)
    assert not store.first_messages.record("e-000001", published, published + 60), "a later message changes nothing"
    store.first_messages.record("e-000002", published, published + 7200)
    store.first_messages.record("e-000003", published, published + 10800)
    assert store.first_messages.median_delay() == (7200, 3)
    assert store.first_messages.median_delay(since=published + 8000) == (10800, 1)
    assert rows("first_messages") == 3


def test_no_message_no_median(store: Store):
    assert store.first_messages.median_delay() == (None, 0)


def test_an_address_never_gets_in(store: Store):
    with pytest.raises(ValueError, match="opaque"):
        store.followups.claim("odile@example.fr", 1.0)
    with pytest.raises(ValueError, match="opaque"):
        store.first_messages.record("06 12 34 56 78", 1.0, 2.0)


def test_rows_go_after_a_year_and_more(store: Store, rows):
    store.followups.claim("e-000001", 0.0)
    store.first_messages.record("e-000001", 0.0, 10.0)
    store.purge_expired(399 * 86400)
    assert rows("followups") == rows("first_messages") == 1
    store.purge_expired(401 * 86400)
    assert rows("followups") == rows("first_messages") == 0
