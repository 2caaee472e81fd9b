"""Every page of the site, as Page specs (url, renderer, context), from the catalogue: no I/O here.

A page's context holds only what that page shows, so its fingerprint changes only when it must
(and no template loops over all entries except the listing it renders).
"""

from __future__ import annotations

from collections.abc import Iterator

from entraide.alerts import manifest as alerts_manifest
from entraide.categories import Category, load_categories, load_kinds
from entraide.communes import Commune, load_communes

from .catalogue import Catalogue
from .content import ContentPage
from .geojson import commune_points, communes_boundaries
from .listings import category_listings, commune_listings
from .page import Page
from .public_entry import PublicEntry
from .settings import SiteSettings
from .statistics import CSV_URL, statistics_context, statistics_csv

FORMS = {"/demander/": "request", "/proposer/": "offer"}


def build_pages(catalogue: Catalogue, content: list[ContentPage], settings: SiteSettings, with_map: bool) -> list[Page]:
    communes = load_communes().all
    counts = {c.slug: len(catalogue.by_commune.get(c.code, ())) for c in communes}
    pages = [
        home_page(catalogue, settings),
        Page("/communes/", "communes.html", {"counts": counts}),
        Page("/categories/", "categories.html", {"counts": _category_counts(catalogue)}),
        *[page for commune in communes for page in commune_pages(commune, catalogue, settings)],
        *[page for category in load_categories() for page in category_pages(category, catalogue, settings)],
        *[
            Page(f"/annonces/{entry.id}/", "entry.html", {"entry": entry, "robots": "noindex"})
            for entry in catalogue.entries
        ],
        *[Page(url, "form.html", {"kind_key": kind}) for url, kind in FORMS.items()],
        Page("/retirer/", "withdraw.html", {}),
        Page("/statut/", "status.html", {}),
        *statistics_pages(catalogue, settings),
        *[Page(page.url, "page.html", {"page": page}) for page in content],
        Page("/geo/communes.geojson", communes_boundaries, {"communes": communes, "counts": counts}),
        Page(alerts_manifest.URL, alerts_manifest.manifest_json, {"entries": catalogue.entries}),
        Page("/404.html", "404.html", {"robots": "noindex"}),
    ]
    if with_map:
        pages.append(Page("/carte/", "map.html", {"counts_by_commune": counts}))
    pages.append(sitemap_page(pages, settings))
    pages.append(Page("/robots.txt", "robots.txt", {}))
    return pages


def home_page(catalogue: Catalogue, settings: SiteSettings) -> Page:
    return Page(
        "/",
        "home.html",
        {
            "requests": catalogue.stats.total(kind="request"),
            "offers": catalogue.stats.total(kind="offer"),
            "category_counts": _category_counts(catalogue),
            "recent_requests": catalogue.newest("request", settings.recent_count),
            "recent_offers": catalogue.newest("offer", settings.recent_count),
        },
    )


def commune_pages(commune: Commune, catalogue: Catalogue, settings: SiteSettings) -> Iterator[Page]:
    entries = catalogue.by_commune.get(commune.code, ())
    yield from commune_listings(commune, entries, settings.per_page)
    yield Page(
        f"/communes/{commune.slug}/imprimer/",
        "print.html",
        {
            "commune": commune,
            "entries": entries[: settings.print_limit],
            "total": len(entries),
            "as_of": settings.build_date,  # paper lives on: say when the list was made
            "robots": "noindex",
        },
    )
    newest = catalogue.newest_first(entries, settings.feed_size)
    yield feed_page(f"/communes/{commune.slug}/", f"Entraide à {commune.name}", newest, settings)
    yield Page(f"/geo/{commune.slug}.geojson", commune_points, {"entries": entries})


def category_pages(category: Category, catalogue: Catalogue, settings: SiteSettings) -> Iterator[Page]:
    entries = catalogue.by_category.get(category.key, ())
    yield from category_listings(category, entries, settings.per_page)
    newest = catalogue.newest_first(entries, settings.feed_size)
    yield feed_page(f"/categories/{category.slug}/", f"Entraide : {category.label}", newest, settings)


def feed_page(listing_url: str, title: str, newest: list[PublicEntry], settings: SiteSettings) -> Page:
    """Newest first, whatever their kind: a feed is read in time order."""
    updated = newest[0].created if newest else f"{settings.build_date.isoformat()}T00:00:00+00:00"
    return Page(
        f"{listing_url}atom.xml",
        "atom.xml",
        {
            "feed_title": title,
            "listing_url": listing_url,
            "entries": newest,
            "updated": updated,
        },
    )


def statistics_pages(catalogue: Catalogue, settings: SiteSettings) -> list[Page]:
    communes = load_communes().all
    context = {**statistics_context(catalogue.stats, communes), "first_messages": settings.first_messages}
    return [
        Page("/statistiques/", "statistics.html", {**context, "as_of": settings.build_date}),
        Page(CSV_URL, statistics_csv, {"stats": catalogue.stats, "communes": communes}),
    ]


def sitemap_page(pages: list[Page], settings: SiteSettings) -> Page:
    """Every HTML page people may land on from a search engine: not entries (noindex), not print pages."""
    urls = [page.url for page in pages if page.url.endswith("/") and page.context.get("robots") != "noindex"]
    return Page("/sitemap.xml", "sitemap.xml", {"urls": urls})


def _category_counts(catalogue: Catalogue) -> list[tuple[Category, int, int]]:
    request, offer = (kind.key for kind in load_kinds())
    return [
        (c, catalogue.stats.total(category=c.key, kind=request), catalogue.stats.total(category=c.key, kind=offer))
        for c in load_categories()
    ]
