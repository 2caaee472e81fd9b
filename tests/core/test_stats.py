import datetime as dt

from entraide.samples import generate
from entraide.stats import count_entries


def test_counts_split_active_and_expired_entries_by_commune_category_and_kind():
    entries = list(generate(300, lifetime_days=10))
    today = dt.date(2026, 11, 20)
    stats = count_entries(entries, today, pending=entries[:7])
    active = [e for e in entries if e.created[:10] <= today.isoformat() <= e.expires]
    assert stats.total() == len(active) > 0
    assert stats.expired == sum(e.expires < today.isoformat() for e in entries) > 0
    assert stats.pending == 7
    assert stats.total(commune="38185", kind="request") == sum(
        1 for e in active if e.commune == "38185" and e.kind == "request"
    )
    assert sum(stats.total(category=c) for c in ("groceries", "homework", "conversation", "other")) == len(active)


def test_entries_dated_after_the_day_are_neither_active_nor_expired():
    entries = list(generate(300, lifetime_days=10))  # created from 1 to 30 November 2026
    today = dt.date(2026, 11, 5)
    stats = count_entries(entries, today)
    created = [e for e in entries if e.created[:10] <= today.isoformat()]
    assert 0 < len(created) < len(entries)
    assert stats.total() + stats.expired == len(created)
