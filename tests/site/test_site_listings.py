"""Commune and category listings: counts, requests first, filters without JavaScript, pagination, empty state."""

from __future__ import annotations

from pathlib import Path

from entraide.communes import load_communes

from .site_fixtures import BUILD_DATE, GRENOBLE
from .site_html import read_page


def active(entries, **where):
    return [e for e in entries if e.expires >= BUILD_DATE and all(getattr(e, k) == v for k, v in where.items())]


def card_titles(page) -> list[str]:
    return [card.find("h3").text for card in page.find_all("article", class_="card")]


def test_every_commune_has_a_page_even_without_entries(site: Path) -> None:
    for commune in load_communes():
        page = read_page(site, f"/communes/{commune.slug}/")
        assert page.find("h1").text == f"Entraide à {commune.name}"


def test_empty_commune_invites_people_to_post(site: Path) -> None:
    page = read_page(site, "/communes/sarcenas/")
    empty = page.find(class_="empty")
    assert "Aucune annonce" in empty.text
    assert {a.attrs["href"] for a in empty.find_all("a")} == {"/demander/", "/proposer/"}
    assert page.find_all("article", class_="card") == []


def test_commune_page_shows_requests_before_offers(site: Path, entries) -> None:
    page = read_page(site, "/communes/grenoble/")
    sections = [h2.text for h2 in page.find("main").find_all("h2")]
    assert sections[:2] == ["Demandes d'aide", "Offres d'aide"]
    kinds = [card.classes for card in page.find_all("article", class_="card")]
    requests = len(active(entries, commune=GRENOBLE, kind="request"))
    assert all("card--request" in c for c in kinds[:requests])
    assert all("card--offer" in c for c in kinds[requests:])


def test_commune_listing_is_paginated(site: Path, entries) -> None:
    grenoble = active(entries, commune=GRENOBLE)
    first, second = read_page(site, "/communes/grenoble/"), read_page(site, "/communes/grenoble/page/2/")
    assert len(card_titles(first)) == 20
    assert len(card_titles(second)) == len(grenoble) - 20
    assert set(card_titles(first)) | set(card_titles(second)) == {e.title for e in grenoble}
    assert first.find("a", rel="next").attrs["href"] == "/communes/grenoble/page/2/"
    assert second.find("a", rel="prev").attrs["href"] == "/communes/grenoble/"
    assert "Page 2 sur 2" in second.find("nav", class_="pager").text
    assert not (site / "communes/grenoble/page/3").exists()


def test_kind_and_category_filters_are_static_pages(site: Path, entries) -> None:
    requests = read_page(site, "/communes/grenoble/demandes/")
    assert sorted(card_titles(requests)) == sorted(e.title for e in active(entries, commune=GRENOBLE, kind="request"))
    groceries_offers = read_page(site, "/communes/grenoble/courses/offres/")
    expected = active(entries, commune=GRENOBLE, kind="offer", category="groceries")
    assert sorted(card_titles(groceries_offers)) == sorted(e.title for e in expected)
    current = [a.text for a in groceries_offers.find_all("a") if a.attrs.get("aria-current") == "page"]
    assert current == [f"Offres d'aide ({len(expected)})", f"Courses ({len(expected)})"]


def test_filter_links_show_the_counts(site: Path, entries) -> None:
    page = read_page(site, "/communes/grenoble/")
    links = {a.attrs["href"]: a.text for a in page.find_all("nav", class_="filters")[1].find_all("a")}
    homework = len(active(entries, commune=GRENOBLE, category="homework"))
    assert links["/communes/grenoble/devoirs/"] == f"Devoirs ({homework})"


def test_category_page_spans_the_territory_with_kind_filter(site: Path, entries) -> None:
    page = read_page(site, "/categories/divers/")
    others = active(entries, category="other")
    assert sorted(card_titles(page)) == sorted(e.title for e in others)
    assert {e.commune for e in others} > {GRENOBLE}
    offers = read_page(site, "/categories/divers/offres/")
    assert sorted(card_titles(offers)) == sorted(e.title for e in others if e.kind == "offer")


def test_home_counts_and_recent_requests_first(site: Path, entries) -> None:
    home = read_page(site, "/")
    requests, offers = len(active(entries, kind="request")), len(active(entries, kind="offer"))
    assert f"{requests} demandes d'aide et {offers} offres d'aide" in home.find(class_="totals").text
    headings = [h2.text for h2 in home.find("main").find_all("h2")]
    assert headings.index("Ils ont besoin d'aide") < headings.index("Dernières offres d'aide")
    groceries = home.find("li", class_="category-grid__item")
    assert groceries.find("h3").text == "Courses"
    count = len(active(entries, category="groceries", kind="request"))
    assert f"{count} demande" in groceries.find(class_="category-grid__counts").text


def test_home_commune_picker_lists_every_commune_with_postal_codes(site: Path) -> None:
    picker = read_page(site, "/").find("section", class_="commune-picker")
    items = picker.find_all("li")
    assert len(items) == 49
    assert any("Grenoble" in li.text and "38000" in li.text for li in items)
    assert items[0].find("a").attrs["href"].startswith("/communes/")


def test_printable_list_gives_ids_and_the_phone_line(site: Path, entries) -> None:
    page = read_page(site, "/communes/grenoble/imprimer/")
    text = page.find("main").text
    assert "04 76 00 00 00" in text
    for entry in active(entries, commune=GRENOBLE):
        assert entry.id in text
    assert page.find("h2").text.startswith("Demandes d'aide")
