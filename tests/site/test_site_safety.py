"""Hostile text shown as text everywhere; private fields nowhere; no inline script or style (strict CSP)."""

from __future__ import annotations

import json
from pathlib import Path

from .site_fixtures import HOSTILE_DESCRIPTION, HOSTILE_TITLE, LONG_WORD
from .site_html import parse_html, read_page


def output_files(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.is_file()]


def hostile_entry(entries):
    return next(e for e in entries if e.title == HOSTILE_TITLE)


def test_hostile_entry_page_shows_the_text_as_typed(site: Path, entries) -> None:
    entry = hostile_entry(entries)
    page = read_page(site, f"/annonces/{entry.id}/")
    assert page.find("h1").text == " ".join(HOSTILE_TITLE.split())
    text = page.find("p", class_="entry__text")
    assert text.children == [HOSTILE_DESCRIPTION], "line breaks kept, no markup made from the text"
    assert page.find("dd", class_="entry__availability").text == "Le soir <b>après 18 h</b>"
    assert "{{ 7*7 }}" in page.find("main").text and "49" not in page.find("h1").text
    assert LONG_WORD in text.text


def test_no_page_runs_or_embeds_entry_markup(site: Path) -> None:
    for path in output_files(site):
        if path.suffix != ".html":
            continue
        html = path.read_text("utf-8")
        assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>pas" not in html, path
        page = parse_html(html)
        assert [s for s in page.find_all("script") if "src" not in s.attrs] == [], f"inline script in {path}"
        assert page.find_all("style") == [], f"<style> in {path}"
        for element in page.find_all():
            assert not [a for a in element.attrs if a == "style" or a.startswith("on")], f"{element.tag} in {path}"


def test_hostile_text_in_listing_and_geojson(site: Path, entries) -> None:
    entry = hostile_entry(entries)
    card = read_page(site, "/communes/echirolles/").find("article", class_="card")
    assert card.find("h3").text == " ".join(HOSTILE_TITLE.split())
    feature = json.loads((site / "geo/echirolles.geojson").read_text("utf-8"))["features"][0]
    assert feature["properties"]["title"] == HOSTILE_TITLE
    assert feature["properties"]["name"] == entry.name


def test_no_contact_nor_withdraw_key_hash_anywhere(site: Path, entries) -> None:
    secrets = [e.contact for e in entries] + [e.withdraw_key_hash for e in entries]
    for path in output_files(site):
        data = path.read_bytes()
        assert b"SECRET-" not in data, path
        for secret in secrets:
            assert secret.encode() not in data, path
