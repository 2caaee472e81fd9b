"""Rate limits: `limit` hits per window for a bucket, a wait that is honest, keys that hold no one in clear."""

from __future__ import annotations

import pytest

from entraide.store import StoreUnavailable, bucket_key
from entraide.store.limits import PURGE

SECRET = b"endpoint-secret"
NOW = 1_000_040.0  # 20 s into a minute window


def test_a_bucket_allows_its_limit_then_says_how_long_to_wait(store):
    bucket = bucket_key("submit-ip", SECRET, "203.0.113.7")
    answers = [store.limits.hit(bucket, 5, 60, NOW) for _ in range(7)]
    assert answers[:5] == [0, 0, 0, 0, 0]
    assert answers[5] > 0 and answers[6] == answers[5]
    assert store.limits.hit(bucket, 5, 60, NOW + answers[5] - 1) > 0
    assert store.limits.hit(bucket, 5, 60, NOW + answers[5]) == 0


def test_refused_hits_are_not_counted(store):
    first_wait = None
    for _ in range(3):
        store.limits.hit("submit", 3, 60, NOW)
    for _ in range(50):  # a client knocking while limited
        first_wait = first_wait or store.limits.hit("submit", 3, 60, NOW)
        store.limits.hit("submit", 3, 60, NOW)
    assert store.limits.hit("submit", 3, 60, NOW + first_wait) == 0


def test_a_window_boundary_does_not_double_the_rate(store):
    window_end = (NOW // 60 + 1) * 60
    assert [store.limits.hit("report", 10, 60, window_end - 0.1) for _ in range(10)] == [0] * 10
    assert store.limits.hit("report", 10, 60, window_end + 0.1) > 0  # fixed windows would allow 10 more here
    halfway = sum(store.limits.hit("report", 10, 60, window_end + 30) == 0 for _ in range(10))
    assert halfway == 5  # half of the previous window's 10 still counts
    later = sum(store.limits.hit("report", 10, 60, window_end + 54) == 0 for _ in range(10))
    assert later == 4  # 10 × 6/60 of the previous window, and the 5 of this one


def test_buckets_count_apart(store):
    one, other = (bucket_key("submit-ip", SECRET, ip) for ip in ("198.51.100.1", "198.51.100.2"))
    assert [store.limits.hit(one, 1, 60, NOW) for _ in range(2)] == [0, pytest.approx(100.0)]
    assert store.limits.hit(other, 1, 60, NOW) == 0


def test_limit_zero_means_no_limit(store, rows):
    assert all(store.limits.hit("submit", 0, 60, NOW) == 0 for _ in range(20))
    assert rows("rate_limits") == 0


@pytest.mark.parametrize(
    "key",
    ["203.0.113.7", "submit:203.0.113.7", "2001:db8::1", "submit:2001:db8::", "lea@example.org", "0612345678",
     "submit:lea@example.org", "submit:" + "g" * 64, "Submit", ""],
)  # fmt: skip
def test_a_key_that_could_hold_an_ip_or_an_address_is_refused(store, rows, key):
    with pytest.raises(ValueError, match="never an IP or an address in clear"):
        store.limits.hit(key, 5, 60, NOW)
    assert rows("rate_limits") == 0


def test_a_bucket_key_is_a_keyed_hash(store):
    key = bucket_key("submit-ip", SECRET, "203.0.113.7")
    assert "203.0.113.7" not in key
    assert key != bucket_key("submit-ip", b"another endpoint", "203.0.113.7")
    assert key != bucket_key("report-ip", SECRET, "203.0.113.7")


def test_expired_buckets_are_purged_by_later_hits(store, rows):
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        store.limits.hit(bucket_key("submit-ip", SECRET, ip), 5, 60, NOW)
    assert rows("rate_limits") == 3
    store.limits.hit("submit", 5, 60, NOW + 3600)  # two windows later nothing of theirs counts any more
    assert rows("rate_limits") == 1
    with store.engine.transaction() as transaction:
        assert transaction.execute(PURGE, (NOW + 7200,)).rowcount == 1


def test_a_purge_that_finds_the_database_busy_does_not_fail_the_hit(store, monkeypatch, rows):
    def busy(now: float) -> int:
        raise StoreUnavailable("database is locked")

    monkeypatch.setattr(store, "purge_expired", busy)
    assert store.limits.hit("submit", 5, 60, NOW) == 0
    monkeypatch.undo()
    store.limits.hit("report", 5, 60, NOW + 3600)  # the purge it skipped runs at the next write
    assert rows("rate_limits") == 1


def test_a_window_must_last(store):
    with pytest.raises(ValueError, match="window_seconds"):
        store.limits.hit("submit", 5, 0, NOW)
