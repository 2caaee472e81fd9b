"""axe-core on every page type, in Chromium: no violation of WCAG 2.1 A and AA (what France's RGAA requires).

axe-core comes from the npm registry (pinned in tests/browser/package.json, installed into tests/.node/)
and is injected into each page once it has rendered, CSS and JavaScript included. Endpoint pages are
reached the way a resident reaches them, through the site's forms.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.harness.chromium import open_page
from tests.harness.workspace import AUTHORED_ID, FIXTURE_COMMUNE, HOSTILE_ID, MIN_FILL_SECONDS

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SLUG = FIXTURE_COMMUNE[1]

SITE_PAGES = {
    "home": "/",
    "communes": "/communes/",
    "commune": f"/communes/{SLUG}/",
    "commune-requests": f"/communes/{SLUG}/demandes/",
    "commune-print": f"/communes/{SLUG}/imprimer/",
    "categories": "/categories/",
    "category": "/categories/courses/",
    "category-offers": "/categories/courses/offres/",
    "entry": f"/annonces/{AUTHORED_ID}/",
    "entry-hostile": f"/annonces/{HOSTILE_ID}/",
    "offer-form": "/proposer/",
    "request-form": "/demander/",
    "withdraw-form": "/retirer/",
    "status-form": "/statut/",
    "statistics": "/statistiques/",
    "not-found": "/404.html",
}
CONTENT_PAGES = ["/a-propos/", "/charte/", "/confidentialite/", "/mentions-legales/", "/faq/", "/accessibilite/"]


class Axe:
    """A page, and axe's verdict on what it shows now: each violation as one readable line."""

    def __init__(self, page, script: Path) -> None:
        self.page = page
        self.script = script

    def __call__(self) -> list[str]:
        self.page.add_script_tag(path=str(self.script))
        found = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
        )["violations"]
        return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:4]}" for v in found]


@pytest.fixture
def axe(browser, node_modules, site):
    # CSP bypassed so that axe can be injected into the endpoint's pages, which send a strict policy.
    with open_page(browser, bypass_csp=True) as (page, watch):
        yield Axe(page, node_modules / "axe-core" / "axe.min.js")
    tile_url = re.search(r'data-tile-url="([^"]+)"', site.file("/carte/").read_text("utf-8")).group(1)
    tile_host = urlsplit(tile_url).hostname
    leaving = {urlsplit(url).hostname for url in watch.blocked} - {tile_host}
    assert not leaving, f"requests leaving 127.0.0.1 (other than map tiles): {sorted(leaving)}"


@pytest.mark.parametrize("path", SITE_PAGES.values(), ids=SITE_PAGES.keys())
def test_site_page_has_no_wcag_violation(axe, site, path):
    axe.page.goto(site.url + path)
    assert axe() == []


@pytest.mark.parametrize("path", CONTENT_PAGES)
def test_content_page_has_no_wcag_violation(axe, site, path):
    axe.page.goto(site.url + path)
    assert axe() == []


def test_every_content_page_linked_from_the_footer_is_checked(page, site):
    page.goto(site.url + "/")
    links = page.get_by_role("navigation", name="Pages d'information").get_by_role("link")
    paths = {href.removeprefix(site.url) for href in links.evaluate_all("links => links.map(a => a.href)")}
    unchecked = paths - set(CONTENT_PAGES) - set(SITE_PAGES.values())
    assert not unchecked, f"add these pages to the accessibility checks: {sorted(unchecked)}"


POPUP_OPACITY = "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity"


@pytest.fixture(params=["no-preference", "reduce"], ids=["motion", "reduced-motion"])
def motion_axe(request, browser, node_modules):
    with open_page(browser, bypass_csp=True, reduced_motion=request.param) as (page, _watch):
        yield request.param, Axe(page, node_modules / "axe-core" / "axe.min.js")


def test_map_with_a_commune_and_a_popup_has_no_wcag_violation(motion_axe, site):
    """The popup as a resident reads it, once shown, still, hovered and focused; without a fade when asked."""
    motion, axe = motion_axe
    page = axe.page
    page.goto(site.url + "/carte/")
    page.get_by_label("Aller à une commune").select_option(SLUG)
    page.get_by_role("button", name="Afficher sur la carte").click()
    page.locator("#map-list li").first.wait_for()
    page.wait_for_load_state("networkidle")
    page.locator("#map-list li").first.get_by_role("button", name="Voir sur la carte").click()
    page.locator(".leaflet-popup .map-popup").wait_for()
    if motion == "reduce":
        assert page.evaluate(POPUP_OPACITY) == "1", "the popup fades in although the resident asked for less motion"
    page.wait_for_function(f"({POPUP_OPACITY})() === '1'")
    assert axe() == [], "popup shown"
    link = page.locator(".map-popup__title a")
    link.hover()
    assert axe() == [], "popup link hovered"
    link.focus()
    assert axe() == [], "popup link focused"


def fill_offer_form(page, description: str) -> None:
    page.get_by_label("Courses", exact=True).check()
    page.get_by_label("Votre commune").select_option(FIXTURE_COMMUNE[0])
    page.get_by_label("Titre de l'annonce").fill("Courses du mardi pour les voisins")
    page.get_by_label("Description").fill(description)
    page.get_by_label("Prénom ou pseudonyme").fill("Louise")
    page.get_by_label("Adresse e-mail").fill("louise.a11y@example.test")
    page.get_by_label("J'accepte").check()
    page.get_by_role("button", name="Envoyer mon offre").click()
    page.wait_for_load_state()


def without_form_script(page) -> None:
    """The endpoint's own pages (errors, preview, thanks) are what residents without JavaScript get."""
    page.route("**/theme/form/form.js", lambda route: route.abort())


def test_form_with_errors_has_no_wcag_violation(axe, site, endpoint_process):
    without_form_script(axe.page)
    axe.page.goto(site.url + "/proposer/")
    fill_offer_form(axe.page, "Appelez-moi au 06 12 34 56 78 pour les courses du mardi.")
    assert axe.page.url.startswith(endpoint_process.url), "the form did not reach the endpoint"
    assert "Corrigez" in axe.page.get_by_role("heading", level=1).inner_text()
    assert axe() == []


def test_preview_and_thank_you_pages_have_no_wcag_violation(axe, site):
    without_form_script(axe.page)
    axe.page.goto(site.url + "/proposer/")
    fill_offer_form(axe.page, "Je passe à la supérette le mardi et peux prendre quelques courses pour vous.")
    assert axe.page.get_by_role("heading", level=1).inner_text().strip() == "Vérifiez votre annonce"
    assert axe() == [], "preview page"
    time.sleep(MIN_FILL_SECONDS + 0.3)
    axe.page.get_by_role("button", name="Confirmer et envoyer").click()
    axe.page.wait_for_load_state()
    heading = axe.page.get_by_role("heading", level=1).inner_text().strip()
    assert heading == "Merci, votre annonce est envoyée", axe.page.locator("main").inner_text()
    assert axe() == [], "thank-you page"


def test_enhanced_form_errors_and_thanks_have_no_wcag_violation(axe, site):
    axe.page.goto(site.url + "/proposer/")
    fill_offer_form(axe.page, "Appelez-moi au 06 12 34 56 78 pour les courses du mardi.")
    axe.page.get_by_role("heading", name="Un point à corriger").wait_for()
    assert axe.page.url == site.url + "/proposer/"
    assert axe() == [], "errors shown by the enhanced form"
    axe.page.get_by_label("Description").fill("Je passe à la supérette le mardi et peux prendre vos courses.")
    time.sleep(MIN_FILL_SECONDS + 0.3)
    axe.page.get_by_role("button", name="Envoyer mon offre").click()
    axe.page.get_by_role("heading", name="Merci, votre annonce est envoyée").wait_for()
    assert axe() == [], "withdraw key shown by the enhanced form"


def test_contact_sent_page_has_no_wcag_violation(axe, site):
    axe.page.goto(f"{site.url}/annonces/{AUTHORED_ID}/")
    form = axe.page.locator("#contacter form")
    form.get_by_label("Votre message").fill("Bonjour, je serais ravie d'en parler avec vous.")
    form.get_by_label("Votre prénom").fill("Ana")
    form.get_by_label("Votre adresse e-mail").fill("ana.a11y@example.test")
    time.sleep(MIN_FILL_SECONDS + 0.3)
    form.get_by_role("button", name="Envoyer mon message").click()
    axe.page.wait_for_load_state()
    assert axe() == []


def test_accessibility_statement_as_rgaa_expects(page, site):
    """A French statement (conformance state, known failures, contact, recourse), announced on every page."""
    page.goto(site.url + "/accessibilite/")
    assert "accessibilité" in page.get_by_role("heading", level=1).inner_text().lower()
    text = page.locator("main").inner_text()
    for expected in ("RGAA", "État de conformité", "Défenseur des droits"):
        assert expected.lower() in text.lower(), f"the statement does not mention {expected!r}"
    for path in ("/", f"/communes/{SLUG}/", "/carte/"):
        page.goto(site.url + path)
        mention = page.locator("footer a[href$='/accessibilite/']").inner_text()
        assert re.search(r"Accessibilité\s*:\s*(non|partiellement|totalement) conforme", mention), (
            f"RGAA asks every page to state its conformance in the link to the statement; {path} says {mention!r}"
        )


REFLOW_PAGES = ["/", f"/communes/{SLUG}/", "/categories/courses/", f"/annonces/{HOSTILE_ID}/", "/proposer/", "/carte/"]


@pytest.mark.parametrize("path", REFLOW_PAGES)
def test_page_reflows_at_320_css_pixels_without_horizontal_scrolling(page, site, path):
    """WCAG 1.4.10 (RGAA 10.11), which axe cannot check: 400 % zoom on a desktop, or a small phone."""
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(site.url + path)
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .filter((el) => !el.closest('.leaflet-container'))
            .slice(0, 5).map((el) => el.tagName + '.' + el.className)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"wider than the screen: {overflow}"


def test_alerts_form_blank_and_with_errors_has_no_wcag_violation(axe, site, endpoint_process):
    axe.page.goto(f"{site.url}/communes/{SLUG}/")
    axe.page.get_by_role("link", name=re.compile("Recevoir les nouvelles annonces de .* par e-mail")).click()
    axe.page.wait_for_load_state()
    assert axe.page.url.startswith(endpoint_process.url + "/alertes/")
    assert axe() == [], "blank alerts form"
    axe.page.get_by_label("Votre adresse e-mail").fill("pas-une-adresse")
    axe.page.get_by_role("button", name="M'inscrire aux alertes").click()
    axe.page.wait_for_load_state()
    assert "Un point à corriger" in axe.page.locator("main").inner_text()
    assert axe() == [], "alerts form with an error"
