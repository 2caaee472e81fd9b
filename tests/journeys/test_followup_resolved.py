"""A request's author gets the follow-up mail « Avez-vous trouvé de l'aide ? » from the real SMTP server, clicks
« résolu » in Chromium, confirms, and after the build the request is gone from its commune's listing and map and
counted resolved on /statistiques/."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from entraide.entries import Entry, write_entry
from entraide.pipeline import load_entries, read_entry
from entraide.sealing import Contact
from entraide.withdraw_keys import hash_withdraw_key
from tests.harness.chromium import page_text
from tests.harness.repository import run_entraide
from tests.harness.resident import open_map
from tests.harness.workspace import FIXTURE_COMMUNE, NOW, TODAY

pytestmark = pytest.mark.browser

AUTHOR = "gisele.suivi@example.test"
ENTRY_ID = "test-suivi-000001"
TITLE = 'Aide pour <b>porter</b> mes courses "{{ 7*7 }}"'


@pytest.fixture(scope="module")
def request_published(site, workspace) -> Entry:
    """A request published three days ago by an author who gave an email, then the site rebuilt."""
    created = NOW - dt.timedelta(days=3, hours=1)  # due for its follow-up whatever the time of day
    entry = Entry(
        id=ENTRY_ID,
        kind="request",
        category="groceries",
        commune=FIXTURE_COMMUNE[0],
        title=TITLE,
        description="Je rentre de l'hôpital et je ne peux pas porter de charges pendant un mois.",
        name="Gisèle",
        created=created.isoformat(),
        expires=(TODAY + dt.timedelta(days=27)).isoformat(),
        contact=workspace.keys.seal(Contact(email=AUTHOR)),
        withdraw_key_hash=hash_withdraw_key("7KQ2-M9XD-0T1B-W10E"),
    )
    write_entry(workspace.submissions, entry)
    site.build()
    return entry


def listed(page, site, slug: str) -> str:
    page.goto(f"{site.url}/communes/{slug}/")
    return page_text(page)


def test_the_author_answers_resolved_and_the_request_leaves_the_site(
    request_published, page, watch, site, workspace, endpoint_process, inbox
):
    slug = FIXTURE_COMMUNE[1]
    assert TITLE in listed(page, site, slug), "published before the follow-up"
    env = {**workspace.env, "ENTRAIDE_ENDPOINT_URL": endpoint_process.url}

    sent = run_entraide("followups", "send", cwd=workspace.repo, env=env)
    again = run_entraide("followups", "send", cwd=workspace.repo, env=env)

    assert sent.code == 0, sent.err
    assert sent.out.startswith("1 relance envoyée"), sent.out
    assert again.out.startswith("0 relance envoyée, 1 déjà faite"), again.out
    mail = inbox.wait_for(lambda m: AUTHOR in m.recipients)
    assert mail.message["Subject"] == "Avez-vous trouvé de l'aide ?"
    assert len([m for m in inbox.mails if AUTHOR in m.recipients]) == 1, "one follow-up, never two"
    resolved_link = re.search(r"Oui, c'est résolu.*?\n\s+(\S+)", mail.body).group(1)
    assert resolved_link.startswith(endpoint_process.url + "/followup?t=")

    page.goto(resolved_link)
    assert TITLE in page.get_by_role("heading", level=1).inner_text(), "the title shown as typed, as text"
    assert "« Résolu »" in page_text(page)
    assert read_entry(next(workspace.submissions.rglob(f"{ENTRY_ID}.yaml")))[0].state == "open", (
        "opening the link alone changes nothing"
    )
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_load_state()
    assert "Merci ! Votre annonce est marquée « Résolu »" in page_text(page)
    assert read_entry(next(workspace.submissions.rglob(f"{ENTRY_ID}.yaml")))[0].state == "resolved"

    site.build()
    assert TITLE not in listed(page, site, slug)
    geojson = page.request.get(f"{site.url}/geo/{slug}.geojson").json()
    assert ENTRY_ID not in {feature["properties"]["id"] for feature in geojson["features"]}
    open_map(page, site, slug)
    assert TITLE not in page.locator("#map-list").inner_text()
    assert page.request.get(f"{site.url}/annonces/{ENTRY_ID}/").status == 404
    page.goto(f"{site.url}/statistiques/")
    row = page.locator("#titre-suites ~ table").nth(1).locator("tr", has=page.get_by_role("rowheader", name="Meylan"))
    resolved_here = sum(
        1 for e in load_entries(workspace.submissions) if e.commune == FIXTURE_COMMUNE[0] and e.state == "resolved"
    )
    assert resolved_here >= 1
    assert row.locator("td").nth(2).inner_text() == str(resolved_here)
    assert not watch.dialogs and not watch.errors_except_blocked()


def test_a_forged_link_says_so_and_changes_nothing(request_published, page, endpoint_process, workspace):
    before = next(workspace.submissions.rglob(f"{ENTRY_ID}.yaml")).read_text()
    page.goto(f"{endpoint_process.url}/followup?t={ENTRY_ID}.resolved.9999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Lien non valable"
    assert "modifié" in page_text(page)
    assert next(workspace.submissions.rglob(f"{ENTRY_ID}.yaml")).read_text() == before


OFFER_ID = "test-suivi-000002"
OFFER_TITLE = "Je garde vos plantes pendant les vacances"


def test_the_author_marks_an_offer_full_with_the_key_typed_loosely(nojs_page, site, workspace):
    """From the site's « Modifier l'état de mon annonce » page, without JavaScript, the key typed as read over
    the phone: after the build the offer shows « Complet », after the open offers of its commune."""
    entry = Entry(
        id=OFFER_ID,
        kind="offer",
        category="other",
        commune=FIXTURE_COMMUNE[0],
        title=OFFER_TITLE,
        description="J'arrose vos plantes et je relève le courrier pendant vos absences, dans le quartier.",
        name="Paulette",
        created=(NOW - dt.timedelta(hours=1)).isoformat(),
        expires=(TODAY + dt.timedelta(days=30)).isoformat(),
        contact=workspace.keys.seal(Contact(phone="04 76 99 88 77")),
        withdraw_key_hash=hash_withdraw_key("4TRB-W1ZE-7KQ2-M9XD"),
    )
    write_entry(workspace.submissions, entry)
    site.build()
    page = nojs_page
    page.goto(site.url + "/")
    page.get_by_role("link", name="Modifier l'état de mon annonce").click()
    page.get_by_label("Numéro de l'annonce").fill(OFFER_ID)
    page.get_by_label("Clé de retrait").fill("4trb wlze 7kq2 m9xd")  # l for 1, spaces, lower case
    page.get_by_label("Quelqu'un s'en occupe").check()
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    assert "Votre annonce est marquée « Complet »" in page_text(page), page_text(page)

    site.build()
    page.goto(f"{site.url}/communes/{FIXTURE_COMMUNE[1]}/offres/")
    while page.locator('a[rel="next"]').count():  # the last page holds the last offers
        page.locator('a[rel="next"]').first.click()
    cards = page.locator("article.card")
    titles = [cards.nth(n).locator("h3").inner_text().strip() for n in range(cards.count())]
    assert titles[-1] == OFFER_TITLE, "a full offer comes after the open ones"
    assert cards.nth(len(titles) - 1).locator(".badge--taken").inner_text() == "Complet"
