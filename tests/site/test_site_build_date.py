"""Entries dated after the build date are not published yet: not in pages, feeds, GeoJSON nor statistics.

The fixture entries are created from 1 to 28 November 2026; the site is built as of 10 November.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from entraide.entries import Entry

from .site_fixtures import build, fixture_entries, write_entries
from .site_html import read_page

AS_OF = "2026-11-10"
ATOM = "{http://www.w3.org/2005/Atom}"


def created_on(entry: Entry) -> dt.date:
    """Counted here without entraide.entries.publication: the day the entry's author wrote it."""
    return dt.date.fromisoformat(entry.created[:10])


@pytest.fixture(scope="module")
def early_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("early")
    result = build(write_entries(base / "submissions", fixture_entries()), base / "out", base / "cache", AS_OF)
    assert result.returncode == 0, result.stderr + result.stdout
    return base / "out"


def test_the_fixture_has_entries_on_both_sides_of_the_build_date() -> None:
    days = {created_on(e) for e in fixture_entries()}
    assert min(days) <= dt.date.fromisoformat(AS_OF) < max(days)


def test_only_entries_created_by_the_build_date_have_a_page(early_site: Path) -> None:
    for entry in fixture_entries():
        shown = created_on(entry) <= dt.date.fromisoformat(AS_OF) and entry.expires >= AS_OF
        assert (early_site / "annonces" / entry.id / "index.html").is_file() == shown, entry.id


def test_no_feed_carries_a_date_after_the_build_date(early_site: Path) -> None:
    feeds = sorted(early_site.glob("**/atom.xml"))
    assert len(feeds) == 49 + 4
    dates = []
    for path in feeds:
        root = ET.parse(path).getroot()
        dates += [element.text for element in root.iter() if element.tag in (f"{ATOM}updated", f"{ATOM}published")]
    assert dates
    late = [date for date in dates if dt.datetime.fromisoformat(date).date() > dt.date.fromisoformat(AS_OF)]
    assert late == []


def test_geojson_listings_and_statistics_count_only_published_entries(early_site: Path) -> None:
    published = [e for e in fixture_entries() if created_on(e) <= dt.date.fromisoformat(AS_OF)]
    in_grenoble = [e for e in published if e.commune == "38185"]
    points = json.loads((early_site / "geo/grenoble.geojson").read_text("utf-8"))["features"]
    assert sorted(f["properties"]["id"] for f in points) == sorted(e.id for e in in_grenoble)
    listing = read_page(early_site, "/communes/grenoble/")
    assert listing.find("p", class_="listing-head__count").text == f"{len(in_grenoble)} annonces"
    statistics = read_page(early_site, "/statistiques/")
    total = sum(1 for _ in published)
    assert f"soit {total} annonces" in statistics.find("p", class_="lead").text
    home = read_page(early_site, "/")
    requests = sum(e.kind == "request" for e in published)
    assert home.find("p", class_="totals").text.startswith(f"{requests} demande")
