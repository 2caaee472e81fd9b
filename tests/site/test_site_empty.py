"""A territory without any published entry (launch day, or every entry expired) still gets its whole site.

Built from an empty submissions folder: every page says there is nothing yet and how to be the first.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from entraide.categories import load_categories
from entraide.communes import load_communes

from .site_fixtures import BUILD_DATE, build
from .site_html import read_page

ATOM = "{http://www.w3.org/2005/Atom}"
FIRST = "Vous pouvez être la première personne à demander de l'aide ou à proposer votre aide."


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("empty")
    (base / "submissions").mkdir()
    result = build(base / "submissions", base / "out", base / "cache")
    assert result.returncode == 0, result.stderr + result.stdout
    return base / "out"


def empty_state(site: Path, url: str) -> str:
    return read_page(site, url).find("div", class_="empty").text


def test_home_says_there_is_no_request_nor_offer_yet(empty_site: Path) -> None:
    home = read_page(empty_site, "/")
    assert home.find("p", class_="totals").text == "0 demande d'aide et 0 offre d'aide en ce moment."
    assert [p.text for p in home.find_all("p", class_="empty")] == [
        "Aucune demande d'aide en ce moment.",
        "Aucune offre d'aide en ce moment.",
    ]


@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        ("/communes/", "Aucune annonce pour l'instant, dans aucune commune."),
        ("/categories/", "Aucune annonce pour l'instant, dans aucune catégorie."),
        ("/carte/", "Aucune annonce sur la carte pour l'instant."),
        ("/statistiques/", "Aucune annonce active pour l'instant : les chiffres ci-dessous sont tous à zéro."),
        ("/communes/grenoble/", "Aucune annonce pour l'instant à Grenoble."),
        ("/communes/grenoble/courses/demandes/", "Aucune annonce de ce type pour l'instant à Grenoble."),
        ("/categories/devoirs/", "Aucune annonce pour l'instant."),
    ],
)
def test_each_page_says_there_is_nothing_yet_and_how_to_be_the_first(empty_site: Path, url: str, sentence: str) -> None:
    assert empty_state(empty_site, url) == f"{sentence} {FIRST}"


def test_every_listing_print_page_feed_and_geojson_is_built_empty(empty_site: Path) -> None:
    for commune in load_communes():
        assert read_page(empty_site, f"/communes/{commune.slug}/").find("p", class_="listing-head__count").text == (
            "0 annonce"
        )
        printed = read_page(empty_site, f"/communes/{commune.slug}/imprimer/")
        assert printed.find("p", class_="empty").text == f"Aucune annonce en cours à {commune.name}."
        geojson = json.loads((empty_site / f"geo/{commune.slug}.geojson").read_text("utf-8"))
        assert geojson["type"] == "FeatureCollection" and geojson["features"] == []
    feeds = [f"communes/{c.slug}/atom.xml" for c in load_communes()]
    feeds += [f"categories/{c.slug}/atom.xml" for c in load_categories()]
    for feed in feeds:
        root = ET.parse(empty_site / feed).getroot()
        assert root.findall(f"{ATOM}entry") == []
        assert root.find(f"{ATOM}updated").text.startswith(BUILD_DATE)
    assert not (empty_site / "annonces").exists()
