"""Residents' and moderators' journeys, end to end, in Debian's Chromium.

The site is served on 127.0.0.1, its forms post to the endpoint running as its own process (local
backend writing into a temporary git repository), mails reach a real SMTP server, and the moderator
approves with the real `entraide` command before the site is rebuilt.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from entraide.entries import Entry
from entraide.forms import ENTRY
from entraide.pipeline import read_entry
from entraide.sealing import withdraw_key_matches
from tests.harness.chromium import open_page, page_text
from tests.harness.resident import Offer, fill_offer, open_map
from tests.harness.workspace import (
    AUTHOR_EMAIL,
    AUTHOR_PHONE,
    AUTHORED_ID,
    FIXTURE_COMMUNE,
    HOSTILE_ID,
    HOSTILE_TITLE,
    MIN_FILL_SECONDS,
    MODERATORS,
    REQUEST_ID,
)

pytestmark = pytest.mark.browser

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Submitted:
    offer: Offer
    entry: Entry
    key: str  # the withdraw key the thank-you page showed


def send_offer(page, site, offer: Offer, *, javascript: bool) -> None:
    """From /proposer/ to the thank-you message: what a resident does.

    Without JavaScript the endpoint's preview comes first and is confirmed; with it, the enhanced form sends
    JSON once the endpoint's minimum fill time has passed and shows the answer in the page.
    """
    page.goto(site.url + "/proposer/")
    fill_offer(page, offer)
    if javascript:
        time.sleep(MIN_FILL_SECONDS + 0.3)  # the endpoint refuses a form sent faster than a person could
        page.get_by_role("button", name="Envoyer mon offre").click()
        page.get_by_role("heading", name="Merci, votre annonce est envoyée").wait_for()
        assert page.url == site.url + "/proposer/", "the enhanced form answers in the page, without the preview"
        return
    page.get_by_role("button", name="Envoyer mon offre").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Vérifiez votre annonce", page_text(page)
    assert offer.title in page_text(page)
    time.sleep(MIN_FILL_SECONDS + 0.3)
    page.get_by_role("button", name="Confirmer et envoyer").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Merci, votre annonce est envoyée"


def key_shown(page, entry: Entry) -> str:
    """The word on the page that opens `entry` as its withdraw key (none: the page did not give it)."""
    words = set(re.findall(r"[\w-]{12,}", page_text(page)))
    keys = [word for word in words if withdraw_key_matches(word, entry.withdraw_key_hash)]
    assert keys, f"the thank-you page shows no withdraw key for {entry.id}:\n{page_text(page)}"
    return keys[0]


def submit_offer(browser, site, workspace, endpoint_process, offer: Offer, *, javascript: bool) -> Submitted:
    with open_page(browser, javascript=javascript) as (page, watch):
        send_offer(page, site, offer, javascript=javascript)
        entry = workspace.pending_entry(offer.title)
        assert entry.id in page_text(page), "the thank-you page must give the entry's number"
        key = key_shown(page, entry)
        assert not watch.dialogs and not watch.errors_except_blocked() and not watch.blocked
    assert offer.email not in endpoint_process.output, "a resident's contact must never reach the endpoint's log"
    assert offer.email not in entry_text(workspace, entry), "the pending file holds the contact only sealed"
    return Submitted(offer, entry, key)


def entry_text(workspace, entry: Entry) -> str:
    return next(workspace.pending.rglob(f"{entry.id}.yaml")).read_text("utf-8")


@pytest.fixture(scope="module")
def offered(browser, site, workspace, endpoint_process) -> Submitted:
    """An offer sent with JavaScript on; the module's later journeys approve and withdraw it."""
    offer = Offer("Promenade de chiens à Échirolles")
    return submit_offer(browser, site, workspace, endpoint_process, offer, javascript=True)


@pytest.fixture(scope="module")
def approved(offered, site, workspace) -> Submitted:
    """The moderator approves the offer with `entraide approve`, and the site is rebuilt."""
    result = workspace.entraide("approve", offered.entry.id)
    assert result.code == 0, f"entraide approve failed:\n{result.out}\n{result.err}"
    slug = offered.entry.commune_slug
    assert (workspace.submissions / slug / f"{offered.entry.id}.yaml").exists()
    assert not list(workspace.pending.rglob(f"{offered.entry.id}.yaml"))
    assert offered.entry.id in workspace.git("log", "-1", "--name-only", "--format=%s")
    site.build()
    return offered


def test_offer_with_javascript_reaches_thank_you_page_with_withdraw_key(offered, inbox):
    assert offered.entry.title == offered.offer.title
    assert offered.entry.kind == "offer"
    assert offered.entry.contact.startswith("sealed:v2:")
    assert offered.offer.email not in offered.entry.contact
    mail = inbox.wait_for(lambda m: offered.offer.email in m.recipients and offered.key in m.body)
    assert offered.entry.id in mail.body, "the mail repeats the key with the entry's number"


def test_offer_without_javascript_reaches_thank_you_page_with_withdraw_key(browser, site, workspace, endpoint_process):
    offer = Offer(
        "Courses au marché de Fontaine", commune="Fontaine", category="Courses", email="sans.javascript@example.test"
    )
    submitted = submit_offer(browser, site, workspace, endpoint_process, offer, javascript=False)
    assert submitted.entry.category == "groceries"
    assert submitted.entry.commune_slug == "fontaine"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_field_error_is_next_to_its_field_and_typed_values_are_kept(browser, site, workspace, javascript):
    offer = Offer(
        f"Aide informatique {'avec' if javascript else 'sans'} JS",
        description="Écrivez-moi directement à jean.dupont@example.test pour un dépannage.",
    )
    with open_page(browser, javascript=javascript) as (page, _):
        page.goto(site.url + "/proposer/")
        fill_offer(page, offer)
        if javascript:
            time.sleep(MIN_FILL_SECONDS + 0.3)
        page.get_by_role("button", name="Envoyer mon offre").click()
        page.wait_for_load_state()
        if javascript:  # the answer is shown in the page, the form stays as typed
            page.get_by_role("heading", name="Un point à corriger").wait_for()
            assert page.url == site.url + "/proposer/"
        else:
            assert "Corrigez" in page.get_by_role("heading", level=1).inner_text()
        summary = page.locator(".error-summary").inner_text()
        assert f"{ENTRY['description'].summary_label} : " in summary, "errors are listed by the form's own labels"
        description = page.get_by_label("Description")
        error = error_next_to(description)
        assert error, "the description field must carry its own error message (aria-describedby, same block)"
        assert re.search(r"e-mail|adresse|coordonn", error, re.I), error
        assert description.input_value() == offer.description
        assert page.get_by_label("Titre").input_value() == offer.title
        assert page.get_by_label("Prénom").input_value() == offer.name
        assert page.get_by_label("E-mail").input_value() == offer.email
        assert not list(workspace.pending.rglob("*.yaml")) or all(
            read_entry(p)[0].title != offer.title for p in workspace.pending.rglob("*.yaml")
        ), "a refused form must write nothing"


def error_next_to(field) -> str:
    """The error text tied to `field` for a screen reader (aria-describedby) and shown in the field's block."""
    return field.evaluate(
        """(field) => {
            if (field.getAttribute('aria-invalid') !== 'true') return '';
            const ids = (field.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
            const block = field.parentElement;
            return ids.map((id) => document.getElementById(id))
                .filter((el) => el && block.contains(el) && /erreur|error/i.test(el.className + el.id))
                .map((el) => el.innerText.trim()).join(' ');
        }"""
    )


def test_approved_entry_is_on_its_commune_and_category_pages(approved, page, site):
    entry = approved.entry
    link = f'a[href$="/annonces/{entry.id}/"]'
    page.goto(f"{site.url}/communes/{entry.commune_slug}/")
    assert page.locator(link).first.inner_text().strip() == entry.title
    page.goto(f"{site.url}/categories/divers/")
    found = page.locator(link)
    while not found.count() and page.locator('a[rel="next"]').count():
        page.locator('a[rel="next"]').first.click()
    assert found.count(), "the approved entry is on no page of its category"
    page.locator(link).first.click()
    assert page.get_by_role("heading", level=1).inner_text().strip() == entry.title
    assert approved.offer.email not in page.content()


def test_approved_entry_is_in_its_commune_feed(approved, page, site):
    entry = approved.entry
    page.goto(f"{site.url}/communes/{entry.commune_slug}/")
    feed_url = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    answer = page.request.get(site.url + feed_url if feed_url.startswith("/") else feed_url)
    assert answer.ok
    feed = ET.fromstring(answer.body())
    links = {item.find(f"{ATOM}link").get("href"): item.findtext(f"{ATOM}title") for item in feed.iter(f"{ATOM}entry")}
    ours = [title for href, title in links.items() if href.endswith(f"/annonces/{entry.id}/")]
    assert ours, f"the entry is not in the feed; items: {list(links.values())}"
    assert entry.title in ours[0]


def test_approved_entry_is_in_the_map_popup(approved, page, watch, site):
    entry = approved.entry
    open_map(page, site, entry.commune_slug)
    item = page.locator("#map-list li").filter(has_text=entry.title)
    item.get_by_role("button", name="Voir sur la carte").click()
    popup = page.locator(".leaflet-popup .map-popup")
    popup.wait_for()
    assert entry.title in popup.inner_text()
    assert popup.get_by_role("link", name=entry.title).get_attribute("href").endswith(f"/annonces/{entry.id}/")
    assert not watch.dialogs and not watch.errors_except_blocked()


def test_visitor_contacts_the_author_without_seeing_their_contact(page, site, endpoint_process, inbox):
    visitor = "visiteur.curieux@example.test"
    page.goto(f"{site.url}/annonces/{AUTHORED_ID}/")
    seen = page.content()
    form = page.locator("#contacter form")
    form.get_by_label("Votre message").fill("Bonjour, ma fille de 6 ans aimerait beaucoup écouter vos histoires.")
    form.get_by_label("Votre prénom").fill("Karim")
    form.get_by_label("Votre adresse e-mail").fill(visitor)
    time.sleep(MIN_FILL_SECONDS + 0.3)
    form.get_by_role("button", name="Envoyer mon message").click()
    page.wait_for_load_state()
    answer = page_text(page)
    assert re.search(r"envoy|transmis", answer, re.I), answer
    mail = inbox.wait_for(lambda m: AUTHOR_EMAIL in m.recipients and "ma fille de 6 ans" in m.body)
    assert visitor in mail.message["Reply-To"]
    assert AUTHOR_EMAIL not in (mail.message["Reply-To"] or "")
    for shown in (seen, page.content(), endpoint_process.output):
        assert AUTHOR_EMAIL not in shown
        assert AUTHOR_PHONE.replace(" ", "") not in shown.replace(" ", "")
    assert visitor not in endpoint_process.output, "the visitor's address is a contact too: never in a log"


def test_someone_reports_an_entry_and_the_moderators_get_it(page, site, inbox):
    reason = "Cette annonce demande 20 € de l'heure, ce n'est pas de l'entraide."
    page.goto(f"{site.url}/annonces/{REQUEST_ID}/")
    form = page.locator("#signaler form")
    form.get_by_label("Ce qui ne va pas").fill(reason)
    form.get_by_role("button", name="Signaler").click()
    page.wait_for_load_state()
    assert re.search(r"merci|transmis|reçu|envoy", page_text(page), re.I), page_text(page)
    mail = inbox.wait_for(lambda m: MODERATORS in m.recipients and "20 € de l'heure" in m.body)
    assert REQUEST_ID in mail.body + mail.message["Subject"]


def test_author_withdraws_the_entry_with_the_key(approved, page, site, workspace):
    entry = approved.entry
    page.goto(site.url + "/")
    page.get_by_role("link", name="Retirer mon annonce").click()
    page.get_by_label("Numéro de l'annonce").fill(entry.id)
    page.get_by_label("Clé de retrait").fill(approved.key)
    page.get_by_role("button", name="Retirer mon annonce").click()
    page.wait_for_load_state()
    assert re.search(r"retir", page.get_by_role("heading", level=1).inner_text(), re.I), page_text(page)
    assert not (workspace.submissions / entry.commune_slug / f"{entry.id}.yaml").exists()
    site.build()
    page.goto(f"{site.url}/communes/{entry.commune_slug}/")
    assert not page.locator(f'a[href$="/annonces/{entry.id}/"]').count()
    assert page.request.get(f"{site.url}/annonces/{entry.id}/").status == 404


def test_withdraw_with_a_wrong_key_keeps_the_entry(page, site, workspace):
    page.goto(site.url + "/retirer/")
    page.get_by_label("Numéro de l'annonce").fill(AUTHORED_ID)
    page.get_by_label("Clé de retrait").fill("ce-n-est-pas-la-bonne-cle")
    page.get_by_role("button", name="Retirer mon annonce").click()
    page.wait_for_load_state()
    assert re.search(r"clé", page_text(page), re.I)
    assert list(workspace.submissions.rglob(f"{AUTHORED_ID}.yaml"))


def test_hostile_entry_shows_as_text_and_runs_nothing(page, watch, site):
    """`<img onerror>`, `<script>`, `<svg onload>` and `{{ }}` typed by a resident are shown, never run."""
    slug = FIXTURE_COMMUNE[1]
    page.goto(f"{site.url}/annonces/{HOSTILE_ID}/")
    assert page.get_by_role("heading", level=1).inner_text().strip() == HOSTILE_TITLE
    assert '<script>alert("description")</script>' in page_text(page)
    assert '"><svg onload=alert(3)>' in page_text(page)
    for path in (f"/communes/{slug}/", f"/communes/{slug}/imprimer/", "/categories/divers/"):
        page.goto(site.url + path)
        if path.startswith("/categories/"):
            while HOSTILE_TITLE not in page_text(page) and page.locator('a[rel="next"]').count():
                page.locator('a[rel="next"]').first.click()
        assert HOSTILE_TITLE in page_text(page), path  # "{{7*7}}" kept as typed, not evaluated to 49
        assert page.locator("img[src='x'], svg[onload], script:not([src])").count() == 0, path
    assert not watch.dialogs and not watch.errors_except_blocked()
