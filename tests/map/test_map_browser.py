"""The map as a resident uses it, in Debian's Chromium, with map tiles blocked like every request
leaving 127.0.0.1."""

from __future__ import annotations

import json
import math
import re

import pytest
from playwright.sync_api import expect

from entraide.communes import load_communes

from .entries import HOSTILE_COMMUNE, HOSTILE_TITLE

pytestmark = pytest.mark.browser

TILE_HOST = "https://tile.openstreetmap.org/"  # pelicanconf.py's default MAP_TILE_URL
ENTRIES_ZOOM = 14  # map.js: from this zoom, the communes in view load their entries


def open_map(page, map_site):
    page.goto(map_site.url + "/carte/")
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(49)


def pick_commune(page, slug: str):
    page.get_by_label("Aller à une commune").select_option(slug)
    page.get_by_role("button", name="Afficher sur la carte").click()


def active_features(map_site, slug: str) -> list[dict]:
    return json.loads((map_site.root / "geo" / f"{slug}.geojson").read_text())["features"]


def test_boundaries_draw_with_tiles_blocked_and_no_entry_file_is_loaded_yet(page, map_site, watch):
    open_map(page, map_site)
    expect(page.locator("#map-status")).to_contain_text("Choisissez une commune")
    assert watch.blocked, "the page should have asked for map tiles (and been refused)"
    assert all(url.startswith(TILE_HOST) for url in watch.blocked), "only tiles may try to leave 127.0.0.1"
    assert watch.geojson_files() == ["/geo/communes.geojson"]
    assert not watch.errors_except_blocked() and not watch.dialogs


def test_the_commune_boundary_says_how_many_entries_it_has(page, map_site):
    open_map(page, map_site)
    counts = {
        f["properties"]["name"]: f["properties"]["count"]
        for f in json.loads((map_site.root / "geo" / "communes.geojson").read_text())["features"]
    }
    page.locator(".leaflet-overlay-pane path").nth(10).hover(force=True)
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text(" annonce")
    name, count = re.fullmatch(r"(.+) : (\d+) annonces?", tooltip.inner_text()).groups()
    assert counts[name] == int(count)


def test_picking_a_commune_loads_its_entries_and_only_its_file(page, map_site, watch):
    open_map(page, map_site)
    pick_commune(page, "grenoble")
    expect(page.locator("#map-list li").first).to_be_visible()
    assert watch.geojson_files() == ["/geo/communes.geojson", "/geo/grenoble.geojson"]
    expect(page.locator(".map-cluster").first).to_be_visible()  # Grenoble's many entries are clustered
    assert not watch.errors_except_blocked()


def test_a_commune_picked_before_the_boundaries_arrive_is_shown_once_they_do(page, map_site):
    """On a slow phone the form is usable before communes.geojson is loaded: the choice must not be lost."""
    held = []
    # the boundaries wait until the resident has picked
    page.route("**/geo/communes.geojson", lambda route: held.append(route))
    page.goto(map_site.url + "/carte/")
    page.wait_for_function("document.getElementById('map-goto').hidden === false")
    pick_commune(page, "grenoble")
    expect(page.locator("#map-status")).to_contain_text("Chargement des communes")
    for _ in range(200):  # the route's handler runs on Playwright's side of the event loop: give it turns
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    expect(page.locator("#map-list li").first).to_be_visible()


def tile_area(urls: list[str], zoom: int) -> tuple[float, float, float, float]:
    """West, south, east, north of the tiles asked for at `zoom`: a little more than what the map showed."""
    tiles = [tuple(map(int, m.groups())) for m in (re.search(rf"/{zoom}/(\d+)/(\d+)\.png", u) for u in urls) if m]
    xs, ys = [x for x, _ in tiles], [y for _, y in tiles]

    def lon(x):
        return x / 2**zoom * 360 - 180

    def lat(y):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2**zoom))))

    return lon(min(xs)), lat(max(ys) + 1), lon(max(xs) + 1), lat(min(ys))


def test_clicking_a_commune_loads_the_file_of_the_commune_under_the_pointer(page, map_site, watch):
    features = json.loads((map_site.root / "geo" / "communes.geojson").read_text())["features"]
    slugs_by_name = {f["properties"]["name"]: f["properties"]["slug"] for f in features}
    open_map(page, map_site)
    boundary = page.locator(".leaflet-overlay-pane path").nth(
        [f["properties"]["slug"] for f in features].index("grenoble")
    )
    boundary.hover()
    name = page.locator(".leaflet-tooltip").inner_text().split(" : ")[0]
    boundary.click()
    expect(page.locator("#map-list li").first).to_be_visible()
    assert watch.geojson_files() == ["/geo/communes.geojson", f"/geo/{slugs_by_name[name]}.geojson"]


def test_zooming_in_with_the_keyboard_loads_the_communes_in_view_only(page, map_site, watch):
    open_map(page, map_site)
    page.locator("#map").focus()
    while not any(f"/{ENTRIES_ZOOM}/" in url for url in watch.blocked):
        page.keyboard.press("+")
        page.wait_for_timeout(300)  # the zoom animation
    expect(page.locator(".map-marker, .map-cluster").first).to_be_visible()
    west, south, east, north = tile_area(watch.blocked, ENTRIES_ZOOM)
    near = {
        commune.slug
        for commune in load_communes()
        if commune.bbox[0] <= east and commune.bbox[2] >= west and commune.bbox[1] <= north and commune.bbox[3] >= south
    }
    loaded = {path.removeprefix("/geo/").removesuffix(".geojson") for path in watch.geojson_files()} - {"communes"}
    assert loaded, "zoomed in, the communes in view load their entries"
    assert loaded <= near, f"communes out of view were loaded: {loaded - near}"
    assert len(near) < 49


def test_filters_by_kind_and_category(page, map_site):
    open_map(page, map_site)
    pick_commune(page, "grenoble")
    items = page.locator("#map-list li")
    expect(items.first).to_be_visible()
    page.get_by_label("Offres d'aide", exact=True).uncheck()
    expect(page.locator("#map-list .map-list__item--offer")).to_have_count(0)
    expect(page.locator(".map-marker--offer")).to_have_count(0)
    for category in ("Devoirs", "Conversation à distance", "Divers"):
        page.get_by_label(category, exact=True).uncheck()
    expect(items.first).to_be_visible()
    for meta in page.locator("#map-list .map-list__meta").all_inner_texts():
        assert meta.startswith("Demande d'aide · Courses · ")
    page.get_by_label("Courses", exact=True).uncheck()
    expect(items).to_have_count(0)
    expect(page.locator("#map-status")).to_have_text("0 annonce dans la zone affichée.")


def test_a_hostile_title_shows_as_text_in_the_list_and_the_popup(page, map_site, watch):
    open_map(page, map_site)
    pick_commune(page, HOSTILE_COMMUNE[1])
    item = page.locator("#map-list li").filter(has_text=HOSTILE_TITLE)
    expect(item).to_have_count(1)
    item.get_by_role("button", name="Voir sur la carte").click()
    popup = page.locator(".leaflet-popup .map-popup")
    expect(popup.get_by_role("link", name=HOSTILE_TITLE)).to_be_focused()
    assert "<b>Eve</b>" in popup.inner_text()
    assert page.locator("#map img[src='x'], #map b, #map-list img").count() == 0
    assert not watch.dialogs
    assert not watch.errors_except_blocked()


def test_every_entry_of_a_picked_commune_is_listed_and_links_to_its_page(page, map_site):
    slug = HOSTILE_COMMUNE[1]
    features = active_features(map_site, slug)
    open_map(page, map_site)
    pick_commune(page, slug)
    expect(page.locator("#map-list li").first).to_be_visible()
    hrefs = {link.get_attribute("href") for link in page.locator("#map-list li > a").all()}
    assert {f["properties"]["url"] for f in features} <= hrefs


def test_a_marker_opens_its_popup_with_the_keyboard_and_escape_closes_it(page, map_site):
    open_map(page, map_site)
    pick_commune(page, HOSTILE_COMMUNE[1])
    marker = page.locator(".map-marker").first
    expect(marker).to_have_attribute("role", "button")
    expect(marker).to_have_attribute("aria-label", re.compile(r"^(Demande|Offre) d'aide : "))
    marker.focus()
    page.keyboard.press("Enter")
    popup_link = page.locator(".leaflet-popup .map-popup a")
    expect(popup_link).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    expect(page.locator(".map-marker:focus")).to_have_count(1)


def test_keyboard_users_can_skip_the_map_to_the_list(page, map_site):
    open_map(page, map_site)
    page.get_by_role("button", name="Afficher sur la carte").focus()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Passer la carte et aller à la liste des annonces affichées")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#map-results")).to_be_focused()


def test_a_cluster_zooms_in_with_the_keyboard(page, map_site):
    open_map(page, map_site)
    pick_commune(page, "grenoble")
    cluster = page.locator(".map-cluster").first
    expect(cluster).to_have_attribute("aria-label", re.compile(r"regroupées"))
    before = page.locator(".map-cluster").count()
    label = cluster.get_attribute("aria-label")
    cluster.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f'.map-cluster[aria-label="{label}"]')).to_have_count(0, timeout=5_000)
    assert page.locator(".map-marker, .map-cluster").count() > 0
    assert before > 0


def test_without_javascript_the_page_leads_to_the_lists(nojs_page, map_site):
    nojs_page.goto(map_site.url + "/carte/")
    expect(nojs_page.get_by_role("link", name="Voir les annonces commune par commune")).to_be_visible()
    expect(nojs_page.locator(".map-communes__list a")).to_have_count(49)
    expect(nojs_page.locator("#map-filters")).to_be_hidden()
    expect(nojs_page.locator("#map-skip")).to_be_hidden()
