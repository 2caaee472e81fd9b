"""Listings: a commune's or a category's entries, pre-built for every filter and split into pages.

Filters work without JavaScript because every combination is its own static page:
    /communes/<slug>/                      all entries of the commune, requests first
    /communes/<slug>/demandes/             requests only (offres/ for offers)
    /communes/<slug>/<category>/           one category (courses, devoirs, conversation, divers)
    /communes/<slug>/<category>/demandes/  one category and one kind
    /categories/<category>/[demandes/|offres/]
and each listing continues on .../page/2/, .../page/3/ ...
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from entraide.categories import Category, Kind, load_categories, load_kinds
from entraide.communes import Commune

from .catalogue import KIND_SLUGS
from .page import Page
from .public_entry import PublicEntry


@dataclass(frozen=True)
class Filter:
    """One link of a filter bar: « Demandes d'aide (3) », marked current on its own page."""

    label: str
    url: str
    count: int
    current: bool


@dataclass(frozen=True)
class Heading:
    """What a listing page says it shows."""

    url: str
    scope: str  # « Grenoble » or « Courses »
    commune: Commune | None
    category: Category | None
    kind: Kind | None

    @property
    def filters_label(self) -> str:
        parts = [self.kind.plural if self.kind else "", self.category.label if self.category and self.commune else ""]
        return " · ".join(part for part in parts if part)


@dataclass(frozen=True)
class Pagination:
    number: int
    count: int
    base: str

    def url(self, number: int) -> str:
        return self.base if number == 1 else f"{self.base}page/{number}/"

    @property
    def previous(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.count else None


def commune_listings(commune: Commune, entries: tuple[PublicEntry, ...], per_page: int) -> Iterator[Page]:
    base = f"/communes/{commune.slug}/"
    counts = _counts(entries)
    for category in (None, *load_categories()):
        for kind in (None, *load_kinds()):
            heading = Heading(_url(base, category, kind), commune.name, commune, category, kind)
            filters = {
                "kind_filters": _kind_filters(base, category, kind, counts),
                "category_filters": _category_filters(base, category, kind, counts),
            }
            yield from _paginate(heading, _select(entries, category, kind), per_page, filters)


def category_listings(category: Category, entries: tuple[PublicEntry, ...], per_page: int) -> Iterator[Page]:
    base = f"/categories/{category.slug}/"
    counts = _counts(entries)
    for kind in (None, *load_kinds()):
        heading = Heading(_url(base, None, kind), category.label, None, category, kind)
        filters = {"kind_filters": _kind_filters(base, None, kind, counts, category), "category_filters": ()}
        yield from _paginate(heading, _select(entries, None, kind), per_page, filters)


def _url(base: str, category: Category | None, kind: Kind | None) -> str:
    return base + (f"{category.slug}/" if category else "") + (f"{KIND_SLUGS[kind.key]}/" if kind else "")


def _select(entries: tuple[PublicEntry, ...], category: Category | None, kind: Kind | None) -> list[PublicEntry]:
    return [
        e for e in entries if (category is None or e.category == category.key) and (kind is None or e.kind == kind.key)
    ]


def _counts(entries: tuple[PublicEntry, ...]) -> Counter:
    """Entries by (category, kind), None standing for « any »: every filter link's count in one pass."""
    counts: Counter = Counter()
    for entry in entries:
        for category in (None, entry.category):
            for kind in (None, entry.kind):
                counts[category, kind] += 1
    return counts


def _count(counts: Counter, category: str | None, kind: str | None) -> int:
    return counts[category, kind]


def _kind_filters(
    base: str, category: Category | None, current: Kind | None, counts: Counter, fixed: Category | None = None
) -> tuple[Filter, ...]:
    key = (category or fixed).key if (category or fixed) else None
    return tuple(
        Filter(
            kind.plural if kind else "Toutes les annonces",
            _url(base, category, kind),
            _count(counts, key, kind.key if kind else None),
            kind == current,
        )
        for kind in (None, *load_kinds())
    )


def _category_filters(base: str, current: Category | None, kind: Kind | None, counts: Counter) -> tuple[Filter, ...]:
    return tuple(
        Filter(
            category.label if category else "Toutes les catégories",
            _url(base, category, kind),
            _count(counts, category.key if category else None, kind.key if kind else None),
            category == current,
        )
        for category in (None, *load_categories())
    )


def _paginate(heading: Heading, entries: list[PublicEntry], per_page: int, filters: dict) -> Iterator[Page]:
    count = max(1, -(-len(entries) // per_page))
    for number in range(1, count + 1):
        pagination = Pagination(number, count, heading.url)
        yield Page(
            pagination.url(number),
            "listing.html",
            {
                "heading": heading,
                "pagination": pagination,
                "total": len(entries),
                "sections": _sections(entries[(number - 1) * per_page : number * per_page]),
                **filters,
            },
        )


def _sections(entries: list[PublicEntry]) -> tuple[tuple[Kind, tuple[PublicEntry, ...]], ...]:
    """The page's entries under one heading per kind, requests first; kinds without entries left out."""
    grouped = ((kind, tuple(e for e in entries if e.kind == kind.key)) for kind in load_kinds())
    return tuple((kind, found) for kind, found in grouped if found)
