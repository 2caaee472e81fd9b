"""The map (/carte/) in Chromium: boundaries without tiles, clusters, filters, hostile text, keyboard, no leak.

Tiles are blocked by the route every page gets (nothing may leave 127.0.0.1); the boundaries come from
the site's own GeoJSON, so the map must still draw and work.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.harness.resident import COMMUNES, open_map, settle
from tests.harness.workspace import FIXTURE_COMMUNE, HOSTILE_TITLE

pytestmark = pytest.mark.browser


def listed(page) -> list[str]:
    return page.locator("#map-list li").all_inner_texts()


def assert_clean(watch, page) -> None:
    """No dialog, no script error, and the only requests stopped at the door were the map's tiles."""
    assert not watch.dialogs, watch.dialogs
    assert not watch.errors_except_blocked(), watch.errors_except_blocked()
    tile_host = urlsplit(page.locator("#map").get_attribute("data-tile-url").replace("{s}", "a")).hostname
    leaving = {urlsplit(url).hostname for url in watch.blocked} - {tile_host}
    assert not leaving, f"requests to other hosts than the tiles': {sorted(leaving)}"


def test_boundaries_draw_with_tiles_blocked(page, watch, site):
    open_map(page, site)
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == COMMUNES
    page.locator(".leaflet-tile").first.wait_for(state="attached")
    assert watch.blocked, "the map asked for no tile: the tile layer is missing"
    assert_clean(watch, page)


def test_markers_cluster_and_a_cluster_opens_with_a_click(page, watch, site):
    open_map(page, site, "grenoble")
    clusters = page.locator(".map-cluster")
    clusters.first.wait_for()
    counts = [int(text) for text in clusters.locator(".map-cluster__count").all_inner_texts()]
    assert max(counts) > 1
    before = page.locator(".map-marker").count()
    clusters.first.click()
    page.wait_for_function(f"document.querySelectorAll('.map-marker').length > {before}")
    assert_clean(watch, page)


def test_category_and_kind_filters(page, watch, site):
    open_map(page, site, "grenoble")
    everything = listed(page)
    assert any("Demande d'aide" in item for item in everything) and any("Offre d'aide" in item for item in everything)
    page.get_by_role("group", name="Afficher").get_by_label("Offres d'aide").uncheck()
    page.wait_for_function("!document.querySelector('#map-list').innerText.includes(\"Offre d'aide\")")
    requests_only = listed(page)
    assert requests_only and all("Demande d'aide" in item for item in requests_only)
    page.get_by_role("group", name="Catégories").get_by_label("Courses").uncheck()
    page.wait_for_function("!document.querySelector('#map-list').innerText.includes('Courses')")
    assert all("Courses" not in item for item in listed(page))
    assert page.locator(".map-marker--offer").count() == 0
    assert_clean(watch, page)


def test_hostile_title_shows_as_text_and_runs_nothing(page, watch, site):
    open_map(page, site, FIXTURE_COMMUNE[1])
    item = page.locator("#map-list li").filter(has_text=HOSTILE_TITLE)
    assert item.count() == 1, listed(page)
    item.get_by_role("button", name="Voir sur la carte").click()
    popup = page.locator(".leaflet-popup .map-popup")
    popup.wait_for()
    assert HOSTILE_TITLE in popup.inner_text()
    assert popup.locator("img, svg, script").count() == 0
    assert page.locator("#map img[src='x']").count() == 0
    assert_clean(watch, page)


def test_map_works_with_the_keyboard(page, watch, site):
    open_map(page, site)
    page.get_by_label("Aller à une commune").focus()
    page.keyboard.type("Meylan")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Afficher sur la carte"
    page.keyboard.press("Enter")
    settle(page)
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('map-marker')"):
            break
    else:
        pytest.fail("no marker of the map can be reached with Tab")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    popup_link = page.locator(".leaflet-popup .map-popup a")
    popup_link.wait_for()
    assert page.evaluate("document.activeElement.closest('.map-popup') !== null"), "focus must move into the popup"
    assert popup_link.inner_text() in label
    page.keyboard.press("Escape")
    page.locator(".leaflet-popup").wait_for(state="detached")
    assert_clean(watch, page)
