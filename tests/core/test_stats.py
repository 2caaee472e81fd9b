import datetime as dt

from entraide.samples import generate
from entraide.stats import count_entries


def test_counts_split_active_and_expired_entries_by_commune_category_and_kind():
    entries = list(generate(300, lifetime_days=10))
    today = dt.date(2026, 11, 20)
    stats = count_entries(entries, today, pending=entries[:7])
    active = [e for e in entries if e.expires >= today.isoformat()]
    assert stats.total() == len(active) > 0
    assert stats.expired == len(entries) - len(active) > 0
    assert stats.pending == 7
    assert stats.total(commune="38185", kind="request") == sum(
        1 for e in active if e.commune == "38185" and e.kind == "request"
    )
    assert sum(stats.total(category=c) for c in ("groceries", "homework", "conversation", "other")) == len(active)
