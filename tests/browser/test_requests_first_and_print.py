"""Requests come first and stand out; each commune has a list made for paper (A4, large type, ids, phone line).

Helpers usually outnumber people asking for help, and those who need help most are often offline: town
halls, social services and volunteers on the phone print a commune's list.
"""

from __future__ import annotations

import re

import pytest

from tests.harness.workspace import FIXTURE_COMMUNE, REQUEST_ID

pytestmark = pytest.mark.browser

SLUG = FIXTURE_COMMUNE[1]
LISTINGS = {"home": "/", "commune": f"/communes/{SLUG}/", "category": "/categories/courses/"}


def kinds_in_order(page) -> list[str]:
    """The kind of every entry card in the main content, in reading (DOM) order."""
    return page.locator("main .card").evaluate_all(
        "cards => cards.map(c => c.classList.contains('card--request') ? 'request' : 'offer')"
    )


@pytest.mark.parametrize("path", LISTINGS.values(), ids=LISTINGS.keys())
def test_requests_are_shown_before_offers(page, site, path):
    page.goto(site.url + path)
    kinds = kinds_in_order(page)
    assert "request" in kinds and "offer" in kinds, f"{path} should show both kinds here: {kinds}"
    assert kinds == sorted(kinds, key=lambda kind: kind != "request"), f"an offer comes before a request: {kinds}"


def test_requests_stand_out_from_offers(page, site):
    page.goto(site.url + "/")
    style = "card => { const s = getComputedStyle(card); return [s.backgroundColor, s.borderLeftColor]; }"
    request = page.locator("main .card--request").first.evaluate(style)
    offer = page.locator("main .card--offer").first.evaluate(style)
    assert request[0] != offer[0] and request[1] != offer[1], (request, offer)


def test_commune_page_links_to_its_printable_list(page, site):
    page.goto(f"{site.url}/communes/{SLUG}/")
    page.get_by_role("link", name=re.compile("imprimer", re.I)).click()
    assert page.url.endswith(f"/communes/{SLUG}/imprimer/")
    text = page.locator("main").inner_text()
    assert REQUEST_ID in text, "each entry is listed with its id, to reply through the town hall"
    assert re.search(r"\b0\d( ?\d\d){4}\b", text), "the phone line set in the settings is on the sheet"
    assert re.search(r"mairie", text, re.I)
    headings = page.locator("main h2").all_inner_texts()
    assert headings and "Demande" in headings[0], f"requests first on paper too: {headings}"


def test_printable_list_prints_on_a4_in_large_type_without_the_site_chrome(page, site):
    page.goto(f"{site.url}/communes/{SLUG}/imprimer/")
    rules = page.evaluate(
        """() => [...document.styleSheets].flatMap(sheet => [...sheet.cssRules])
                 .filter(rule => rule.media && [...rule.media].includes('print') || rule.cssText.startsWith('@page'))
                 .map(rule => rule.cssText)"""
    )
    media_print_links = page.locator('link[rel="stylesheet"][media="print"]').count()
    assert rules or media_print_links, "no print stylesheet (@media print or <link media=print>)"
    assert re.search(r"size:\s*A4", " ".join(rules), re.I), "the print stylesheet should set @page { size: A4 }"
    page.emulate_media(media="print")
    body_size = float(
        page.evaluate("parseFloat(getComputedStyle(document.querySelector('.print-item__text')).fontSize)")
    )
    assert body_size >= 16, f"entries print at {body_size}px; large type means at least 12 pt (16 px)"
    assert not page.locator(".site-nav").is_visible() and not page.locator(".site-footer").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
