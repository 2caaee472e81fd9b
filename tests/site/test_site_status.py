"""Statuses on the site: taken entries listed after the open ones with their badge, resolved ones gone from the
listings, entry pages, map and feeds, and every status counted on /statistiques/."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.harness.site import build_site

from .site_fixtures import BUILD_DATE, build, make_entry, write_entries
from .site_html import read_page

VIZILLE = "38562"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def entries():
    def entry(number, kind, status="", **more):
        made = make_entry(number, VIZILLE, kind=kind, title=f"Annonce {number} ({status or 'ouverte'})", **more)
        return dataclasses.replace(made, status=status)

    return [
        entry(1, "request", "taken", created="2026-11-28T10:00:00+01:00"),  # the newest, but taken
        entry(2, "request", created="2026-11-20T10:00:00+01:00"),
        entry(3, "request", "resolved", created="2026-11-27T10:00:00+01:00"),
        entry(4, "offer", "taken", created="2026-11-26T10:00:00+01:00"),
        entry(5, "offer", "open", created="2026-11-10T10:00:00+01:00"),
        dataclasses.replace(  # renewed by its author: back at the top of the requests
            entry(6, "request", created="2026-11-02T10:00:00+01:00"), renewed="2026-11-29T18:00:00+01:00"
        ),
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory, entries) -> Path:
    base = tmp_path_factory.mktemp("status")
    result = build(write_entries(base / "submissions", entries), base / "output", base / "cache")
    assert result.returncode == 0, result.stderr + result.stdout
    return base / "output"


def titles(page) -> list[str]:
    return [h.text for h in page.find_all("h3", class_="card__title")]


def test_taken_entries_come_after_the_open_ones_with_their_badge(site):
    page = read_page(site, "/communes/vizille/")
    assert titles(page) == [
        "Annonce 6 (ouverte)",
        "Annonce 2 (ouverte)",
        "Annonce 1 (taken)",
        "Annonce 5 (open)",
        "Annonce 4 (taken)",
    ]
    badges = {
        card.find_all("h3")[0].text: [b.text for b in card.find_all("span", class_="badge--taken")]
        for card in page.find_all("article", class_="card")
    }
    assert badges["Annonce 1 (taken)"] == ["Pris en charge"]
    assert badges["Annonce 4 (taken)"] == ["Complet"]
    assert badges["Annonce 2 (ouverte)"] == badges["Annonce 5 (open)"] == []


def test_a_resolved_entry_is_gone_from_listings_entry_pages_map_and_feeds(site):
    assert "Annonce 3" not in read_page(site, "/communes/vizille/").text
    assert "Annonce 3" not in read_page(site, "/categories/courses/").text
    assert not (site / "annonces" / "fixture-0003").exists()
    points = json.loads((site / "geo" / "vizille.geojson").read_text())
    assert {f["properties"]["id"] for f in points["features"]} == {f"fixture-{n:04d}" for n in (1, 2, 4, 5, 6)}
    feed = ET.parse(site / "communes" / "vizille" / "atom.xml")
    assert "Annonce 3" not in [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert "fixture-0003" not in (site / "sitemap.xml").read_text()


def test_the_taken_entry_page_says_so(site):
    page = read_page(site, "/annonces/fixture-0001/")
    assert [b.text for b in page.find_all("span", class_="badge--taken")] == ["Pris en charge"]


def test_statistics_count_every_status(site):
    page = read_page(site, "/statistiques/")
    section = page.find_all("section", **{"aria-labelledby": "titre-suites"})[0]
    by_commune = section.find_all("table")[1]
    rows = {tr.find_all("th")[0].text: [int(td.text) for td in tr.find_all("td")] for tr in by_commune.find_all("tr")}
    assert rows["Vizille"] == [3, 2, 1]  # open 2, 5, 6; taken 1, 4; resolved 3
    assert rows["Total"] == [3, 2, 1]
    by_category = section.find_all("table")[0]
    rows = {tr.find_all("th")[0].text: [int(td.text) for td in tr.find_all("td")] for tr in by_category.find_all("tr")}
    assert rows["Courses"] == [3, 2, 1]
    lead = read_page(site, "/statistiques/").find_all("p", class_="lead")[0].text
    assert "3 demandes d'aide" in lead, "the resolved request is no longer an active one"


def test_the_median_time_to_a_first_message_is_shown_from_its_file(tmp_path, entries):
    figures = tmp_path / "premiers-messages.json"
    figures.write_text('{"median_seconds": 11100.0, "entries": 12}')
    result = build_site(
        write_entries(tmp_path / "submissions", entries),
        tmp_path / "output",
        build_date=BUILD_DATE,
        cache=tmp_path / "cache",
        environ={"ENTRAIDE_SEARCH_ENABLED": "0", "ENTRAIDE_FIRST_MESSAGES_PATH": str(figures)},
    )
    assert result.returncode == 0, result.stderr
    text = read_page(tmp_path / "output", "/statistiques/").text
    assert "premier message reçu par son auteur : 3 h 05 (sur 12 annonces" in text


def test_without_the_file_the_figure_is_left_out(site):
    assert "premier message" not in read_page(site, "/statistiques/").text
