"""Counts of entries, the numbers the Métropole quotes: by commune, category and kind, and their outcomes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from entraide.entries import RESOLVED, Entry, Publication, publication


@dataclass
class Stats:
    active: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (commune code, category, kind)
    expired: int = 0
    pending: int = 0
    outcomes: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (commune code, category, status)

    def outcome(self, status: str, *, commune: str | None = None, category: str | None = None) -> int:
        """Entries open, taken or resolved: online ones, and resolved ones until their file is removed."""
        return sum(
            count
            for (c, cat, s), count in self.outcomes.items()
            if s == status and commune in (None, c) and category in (None, cat)
        )

    def total(self, *, commune: str | None = None, category: str | None = None, kind: str | None = None) -> int:
        return sum(
            count
            for (c, cat, k), count in self.active.items()
            if commune in (None, c) and category in (None, cat) and kind in (None, k)
        )


def count_entries(entries: Iterable[Entry], today: dt.date, pending: Iterable[Entry] = ()) -> Stats:
    """Active and expired as of `today`; an entry dated after it is neither, it is not published yet. A resolved
    entry is not active (it left the site) but counts among the outcomes, expired or not."""
    stats = Stats(pending=sum(1 for _ in pending))
    for entry in entries:
        status = publication(entry.created, entry.expires, today)
        if status is Publication.PUBLISHED and entry.state != RESOLVED:
            stats.active[entry.commune, entry.category, entry.kind] += 1
        if status is Publication.EXPIRED:
            stats.expired += 1
        if (entry.state == RESOLVED and status is not Publication.NOT_YET) or status is Publication.PUBLISHED:
            stats.outcomes[entry.commune, entry.category, entry.state] += 1
    return stats
