"""An entry's page: public fields, dates, where it is, the contact and report forms, noindex."""

from __future__ import annotations

from pathlib import Path

from .site_fixtures import SAINT_EGREVE
from .site_html import read_page


def test_entry_page_shows_public_fields(site: Path, entries) -> None:
    entry = next(e for e in entries if e.commune == SAINT_EGREVE)
    page = read_page(site, f"/annonces/{entry.id}/")
    assert page.find("h1").text == entry.title
    assert page.find("p", class_="entry__text").text == entry.description
    facts = page.find("dl", class_="entry__facts").text
    for shown in ("Conversation à distance", "Saint-Égrève", entry.name, "31 décembre 2026", entry.id):
        assert shown in facts
    assert page.find("meta", name="robots").attrs["content"] == "noindex"


def test_entry_page_forms_post_to_the_endpoint(site: Path, entries) -> None:
    entry = entries[0]
    page = read_page(site, f"/annonces/{entry.id}/")
    contact = page.find("form", action="http://127.0.0.1:8001/contact")
    assert contact.find("input", name="entry").attrs["value"] == entry.id
    assert {f.attrs["name"] for f in contact.find_all() if "name" in f.attrs} >= {
        "entry",
        "message",
        "name",
        "email",
        "phone",
        "website",
    }
    report = page.find("form", action="http://127.0.0.1:8001/report")
    assert report.find("input", name="entry").attrs["value"] == entry.id
    assert report.find("textarea", name="reason")
    assert page.find(id="signaler").find("h2").text == "Signaler cette annonce"
