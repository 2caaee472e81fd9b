"""The map page as the build writes it: settings handed to the script, filters, the communes list, weight."""

from __future__ import annotations

import gzip
import json
from html.parser import HTMLParser

import pytest

MAP_PAGE_BUDGET = 150 * 1024  # issue 2: first load of the map page, gzipped HTML + CSS + JS, without tiles


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


@pytest.fixture(scope="module")
def map_page(map_site) -> _Page:
    page = _Page()
    page.feed((map_site.root / "carte" / "index.html").read_text("utf-8"))
    return page


def by_id(page: _Page, element_id: str) -> dict[str, str]:
    return next(attrs for _, attrs in page.tags if attrs.get("id") == element_id)


def test_tile_settings_reach_the_map_element(map_page):
    attrs = by_id(map_page, "map")
    assert attrs["data-tile-url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert attrs["data-tile-max-zoom"] == "19"
    assert "OpenStreetMap" in attrs["data-tile-attribution"]
    assert attrs["data-communes-url"] == "/geo/communes.geojson"


def test_filters_offer_requests_first_then_every_category(map_page):
    boxes = [attrs for tag, attrs in map_page.tags if tag == "input" and attrs.get("type") == "checkbox"]
    assert [(b["name"], b["value"]) for b in boxes] == [
        ("kind", "request"),
        ("kind", "offer"),
        ("category", "groceries"),
        ("category", "homework"),
        ("category", "conversation"),
        ("category", "other"),
    ]
    assert all("checked" in b for b in boxes)


def test_commune_list_links_every_commune_with_the_count_of_the_boundaries_file(map_site):
    html = (map_site.root / "carte" / "index.html").read_text("utf-8")
    boundaries = json.loads((map_site.root / "geo" / "communes.geojson").read_text())["features"]
    assert len(boundaries) == 49
    for feature in boundaries:
        props = feature["properties"]
        count = props["count"]
        expected = f'<a href="/communes/{props["slug"]}/">'
        assert expected in html
        after = html.split(expected, 1)[1]
        assert f"{count} annonce{'s' if count > 1 else ''}</span>" in after.split("</li>", 1)[0]


def test_first_load_of_the_map_page_is_within_its_weight_budget(map_site, map_page):
    root = map_site.root
    scripts = [attrs["src"] for tag, attrs in map_page.tags if tag == "script" and attrs.get("src")]
    styles = [attrs["href"] for tag, attrs in map_page.tags if tag == "link" and attrs.get("rel") == "stylesheet"]
    assets = scripts + styles
    files = [root / "carte" / "index.html", root / "geo" / "communes.geojson"]
    files += [root / asset.lstrip("/") for asset in assets]
    weight = sum(len(gzip.compress(path.read_bytes(), compresslevel=6)) for path in files)
    assert len(assets) >= 5  # main.css, Leaflet's CSS and JS, markercluster, map.js
    assert weight <= MAP_PAGE_BUDGET, f"{weight / 1024:.0f} KB gzipped"
