"""Atom feeds per commune and per category, and the sitemap."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from entraide.categories import load_categories
from entraide.communes import load_communes

from .site_fixtures import HOSTILE_TITLE, build, make_entry, write_entries

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


UNUSUAL_BUT_FINE = "Médecin 👩\u200d⚕\ufe0f 🏳\ufe0f\u200d🌈 \ufffd 𝔘 \U0001fffd"


def test_a_noncharacter_stops_the_build_and_the_feeds_of_a_good_build_are_xml(tmp_path: Path) -> None:
    """U+FFFE in a title once made the commune's and the category's Atom feeds invalid XML."""
    good = make_entry(1, "38185", category="other", title=UNUSUAL_BUT_FINE, description=f"Texte {UNUSUAL_BUT_FINE}")
    bad = make_entry(2, "38185", category="other", title="Courses \ufffe du \uffff samedi")
    submissions = write_entries(tmp_path / "submissions", [good, bad])

    refused = build(submissions, tmp_path / "refused", tmp_path / "cache")
    assert refused.returncode != 0
    assert "submissions/grenoble/fixture-0002.yaml:5: title: doit tenir sur une ligne" in refused.stderr
    assert "caractère interdit (comme U+FFFE ou U+FFFF)" in refused.stderr
    assert not (tmp_path / "refused").exists()

    (submissions / "grenoble" / "fixture-0002.yaml").unlink()
    assert build(submissions, tmp_path / "output", tmp_path / "cache").returncode == 0
    feeds = sorted((tmp_path / "output").rglob("atom.xml"))
    assert len(feeds) >= 2
    titles = [entry.find(f"{ATOM}title").text for path in feeds for entry in ET.parse(path).iter(f"{ATOM}entry")]
    assert titles.count(f"Offre d'aide : {UNUSUAL_BUT_FINE}") == 2  # the commune's feed and the category's
