"""Atom feeds per commune and per category, and the sitemap."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from site_fixtures import HOSTILE_TITLE

from entraide.categories import load_categories
from entraide.communes import load_communes

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def feed(site: Path, path: str) -> ET.Element:
    return ET.parse(site / path).getroot()


def test_commune_feed_lists_newest_first(site: Path, entries) -> None:
    root = feed(site, "communes/grenoble/atom.xml")
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}title").text == "Entraide à Grenoble"
    items = root.findall(f"{ATOM}entry")
    published = [item.find(f"{ATOM}published").text for item in items]
    assert published == sorted(published, reverse=True) and len(items) == 25
    link = items[0].find(f"{ATOM}link").attrib["href"]
    assert link.startswith("http://127.0.0.1:8000/annonces/fixture-")


def test_feeds_keep_hostile_text_as_text(site: Path) -> None:
    items = feed(site, "communes/echirolles/atom.xml").findall(f"{ATOM}entry")
    assert [item.find(f"{ATOM}title").text for item in items] == [f"Demande d'aide : {HOSTILE_TITLE}"]
    assert "{% raw %}" in items[0].find(f"{ATOM}summary").text


def test_every_category_has_a_feed(site: Path) -> None:
    for category in load_categories():
        assert (
            feed(site, f"categories/{category.slug}/atom.xml")
            .find(f"{ATOM}id")
            .text.endswith(f"/categories/{category.slug}/")
        )


def test_sitemap_lists_listings_communes_map_forms_and_content_pages(site: Path) -> None:
    root = ET.parse(site / "sitemap.xml").getroot()
    urls = {loc.text.removeprefix("http://127.0.0.1:8000") for loc in root.iter(f"{SITEMAP}loc")}
    expected = {
        "/",
        "/communes/",
        "/categories/",
        "/carte/",
        "/proposer/",
        "/demander/",
        "/retirer/",
        "/statistiques/",
        "/a-propos/",
        "/charte/",
        "/confidentialite/",
        "/mentions-legales/",
        "/faq/",
        "/communes/grenoble/page/2/",
        "/communes/grenoble/demandes/",
        "/categories/courses/offres/",
    }
    expected |= {f"/communes/{c.slug}/" for c in load_communes()}
    expected |= {f"/categories/{c.slug}/" for c in load_categories()}
    assert expected <= urls
    assert not [url for url in urls if url.startswith("/annonces/")]
    for url in urls:
        assert (site / url.lstrip("/") / "index.html").is_file(), url


def test_robots_txt_points_to_the_sitemap(site: Path) -> None:
    lines = (site / "robots.txt").read_text("utf-8").splitlines()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in lines
    assert not [line for line in lines if line.startswith("Disallow: /")], "entry pages say noindex themselves"
