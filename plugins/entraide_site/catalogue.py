"""The active entries of a build, in the order people see them, indexed by commune and by category.

Requests come first (people asking for help are fewer and need to be seen), open before taken (taken ones stay,
with a badge, after the open ones), then newest first, a renewed entry counting from its renewal. An entry whose
`expires` is before the build date, or that its author marked resolved, is not in the catalogue, so it appears
nowhere: listings, entry pages, map, feeds, search (the statistics count it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from entraide.entries import RESOLVED, TAKEN, Entry
from entraide.stats import Stats, count_entries

from .public_entry import PublicEntry

KIND_SLUGS = {"request": "demandes", "offer": "offres"}  # URL segments of the kind filters


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[PublicEntry, ...]
    stats: Stats
    by_commune: dict[str, tuple[PublicEntry, ...]] = field(repr=False)
    by_category: dict[str, tuple[PublicEntry, ...]] = field(repr=False)
    age: dict[str, int] = field(repr=False)  # entry id → rank from the newest, for feeds

    def newest_first(self, entries: tuple[PublicEntry, ...], count: int) -> list[PublicEntry]:
        return sorted(entries, key=lambda e: self.age[e.id])[:count]

    def newest(self, kind: str, count: int) -> list[PublicEntry]:
        """The `count` most recent entries of one kind (the catalogue is already newest first within a kind)."""
        return [e for e in self.entries if e.kind == kind][:count]


def build_catalogue(entries: list[Entry], today: dt.date) -> Catalogue:
    keys = {e.id: requests_first(e) for e in entries if e.is_active(today) and e.state != RESOLVED}
    active = [PublicEntry.of(e) for e in sorted((e for e in entries if e.id in keys), key=lambda e: keys[e.id])]
    by_commune: dict[str, list[PublicEntry]] = defaultdict(list)
    by_category: dict[str, list[PublicEntry]] = defaultdict(list)
    for entry in active:
        by_commune[entry.commune].append(entry)
        by_category[entry.category].append(entry)
    by_date = sorted(active, key=lambda e: keys[e.id][2:])
    return Catalogue(
        entries=tuple(active),
        stats=count_entries(entries, today),
        by_commune={code: tuple(found) for code, found in by_commune.items()},
        by_category={key: tuple(found) for key, found in by_category.items()},
        age={entry.id: rank for rank, entry in enumerate(by_date)},
    )


def requests_first(entry: Entry) -> tuple[bool, bool, float, str]:
    """Requests before offers, open before taken, then newest first (ties broken by id, so every build orders
    alike)."""
    return entry.kind != "request", entry.state == TAKEN, -entry.listed_at.timestamp(), entry.id
