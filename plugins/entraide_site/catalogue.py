"""The active entries of a build, in the order people see them, indexed by commune and by category.

Requests come first (people asking for help are fewer and need to be seen), then newest first.
An entry whose `expires` is before the build date is not in the catalogue, so it appears nowhere.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from entraide.entries import Entry
from entraide.stats import Stats, count_entries

KIND_SLUGS = {"request": "demandes", "offer": "offres"}  # URL segments of the kind filters


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[Entry, ...]
    stats: Stats
    by_commune: dict[str, tuple[Entry, ...]] = field(repr=False)
    by_category: dict[str, tuple[Entry, ...]] = field(repr=False)

    def newest(self, kind: str, count: int) -> list[Entry]:
        """The `count` most recent entries of one kind (the catalogue is already newest first within a kind)."""
        return [e for e in self.entries if e.kind == kind][:count]


def build_catalogue(entries: list[Entry], today: dt.date) -> Catalogue:
    active = sorted((e for e in entries if e.is_active(today)), key=requests_first)
    by_commune: dict[str, list[Entry]] = defaultdict(list)
    by_category: dict[str, list[Entry]] = defaultdict(list)
    for entry in active:
        by_commune[entry.commune].append(entry)
        by_category[entry.category].append(entry)
    return Catalogue(
        entries=tuple(active),
        stats=count_entries(entries, today),
        by_commune={code: tuple(found) for code, found in by_commune.items()},
        by_category={key: tuple(found) for key, found in by_category.items()},
    )


def requests_first(entry: Entry) -> tuple[bool, float, str]:
    return entry.kind != "request", -entry.created_at.timestamp(), entry.id
