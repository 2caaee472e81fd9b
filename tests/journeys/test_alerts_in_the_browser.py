"""A neighbour subscribes to alerts in the browser, confirms by mail, gets one digest, unsubscribes in one click.

Debian's Chromium on the built site, the endpoint as its own process, a real SMTP server, the moderators'
`entraide approve` and the sender `entraide alerts send` as their own processes, as cron would run it.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.harness.chromium import open_page, page_text
from tests.harness.repository import run_entraide
from tests.harness.workspace import MIN_FILL_SECONDS

pytestmark = pytest.mark.browser

SUBSCRIBER = "voisine.attentive@example.test"
COMMUNE = ("38474", "sassenage", "Sassenage")
CATEGORY = ("homework", "Devoirs")


def mails_to(inbox, address: str) -> list:
    return [mail for mail in inbox.mails if address in mail.recipients]


def send_alerts(workspace, site):
    """`entraide alerts send` as cron runs it, reading the built site's manifest; no delay, no quiet hours."""
    environ = {
        **workspace.env,
        "ENTRAIDE_ALERTS_MANIFEST": str(site.root / "alertes" / "manifest.json"),
        "ENTRAIDE_ALERTS_DELAY_MINUTES": "0",
        "ENTRAIDE_ALERTS_QUIET_HOURS": "",
        "ENTRAIDE_SITE_URL": site.url,
    }
    result = run_entraide("alerts", "send", cwd=workspace.repo, env=environ)
    assert result.code == 0, f"entraide alerts send failed:\n{result.out}\n{result.err}"
    assert SUBSCRIBER not in result.out + result.err, "the sender's output and logs never show an address"
    return result


def publish_request(workspace, site, endpoint_process, title: str) -> str:
    """A resident's request for homework help in Sassenage, approved by a moderator; the site rebuilt."""
    token = requests.get(endpoint_process.url + "/token", timeout=10).json()["token"]
    time.sleep(MIN_FILL_SECONDS + 0.2)  # the endpoint refuses a form sent faster than a person could
    form = {
        "kind": "request",
        "category": CATEGORY[0],
        "commune": COMMUNE[0],
        "title": title,
        "description": "Mon fils est en quatrième, il aurait besoin d'aide en mathématiques le mercredi.",
        "name": "Nadia",
        "email": "nadia.parent@example.test",
        "consent": "on",
        "form_token": token,
    }
    answer = requests.post(endpoint_process.url + "/submit", json=form, headers={"Origin": site.url}, timeout=10)
    assert answer.status_code == 201, answer.text
    entry = workspace.pending_entry(title)
    approved = workspace.entraide("approve", entry.id)
    assert approved.code == 0, approved.err
    site.build()
    return entry.id


@pytest.fixture(scope="module")
def subscribed(browser, site, workspace, endpoint_process, inbox):
    """From Sassenage's page to a confirmed subscription, in the browser, without JavaScript."""
    with open_page(browser, javascript=False) as (page, watch):
        page.goto(f"{site.url}/communes/{COMMUNE[1]}/")
        page.get_by_role("link", name=f"Recevoir les nouvelles annonces de {COMMUNE[2]} par e-mail").click()
        page.wait_for_load_state()
        assert page.get_by_role("checkbox", name=COMMUNE[2], exact=True).is_checked()
        page.get_by_role("checkbox", name=CATEGORY[1], exact=True).check()
        page.get_by_label("Votre adresse e-mail").fill(SUBSCRIBER)
        page.get_by_role("button", name="M'inscrire aux alertes").click()
        page.wait_for_load_state()
        assert "Vérifiez votre boîte aux lettres" in page_text(page), page_text(page)
        confirmation = inbox.wait_for(lambda m: SUBSCRIBER in m.recipients and "Confirmez" in m.message["Subject"])
        assert "Communes : Sassenage" in confirmation.body and "Catégories : Devoirs" in confirmation.body
        link = re.search(r"http://\S+/alertes/confirmer\?t=\S+", confirmation.body)[0]
        page.goto(link)
        page.get_by_role("button", name="Confirmer mon inscription").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text().strip() == "Inscription confirmée"
        assert not watch.dialogs
    assert len(mails_to(inbox, SUBSCRIBER)) == 1
    send_alerts(workspace, site)  # the sender's first run: the entries already online are not news
    assert len(mails_to(inbox, SUBSCRIBER)) == 1
    return SUBSCRIBER


def test_one_digest_then_one_click_unsubscribe_then_nothing(subscribed, site, workspace, endpoint_process, inbox):
    entry_id = publish_request(workspace, site, endpoint_process, "Aide aux devoirs de maths à Sassenage")
    assert entry_id in (site.root / "alertes" / "manifest.json").read_text()
    send_alerts(workspace, site)
    digests = mails_to(inbox, SUBSCRIBER)[1:]
    assert len(digests) == 1, [m.message["Subject"] for m in digests]
    digest = digests[0].message
    assert digest["Subject"] == "Nouvelle annonce près de chez vous : Aide aux devoirs de maths à Sassenage"
    text = digest.get_body(("plain",)).get_content()
    assert f"{site.url}/annonces/{entry_id}/" in text and "Demande d'aide — Devoirs — Sassenage" in text
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = digest["List-Unsubscribe"].strip("<>")
    assert SUBSCRIBER not in unsubscribe and "voisine" not in unsubscribe

    send_alerts(workspace, site)  # run again: nothing new
    assert len(mails_to(inbox, SUBSCRIBER)) == 2

    # What a mail provider sends when the reader clicks « Se désabonner » (RFC 8058): a POST, no cookie, no Origin.
    answer = requests.post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        timeout=10,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200 and "Vous ne recevrez plus aucune alerte" in answer.text

    publish_request(workspace, site, endpoint_process, "Devoirs de français à Sassenage")
    send_alerts(workspace, site)
    assert len(mails_to(inbox, SUBSCRIBER)) == 2


def test_the_subscriber_address_is_nowhere_in_clear(subscribed, site, workspace, endpoint_process):
    """The store, the endpoint's log, the repository and the built site: the address appears in none of them."""
    needle = SUBSCRIBER.encode()
    places = [workspace.repo, Path(site.root)]
    found = [
        str(path)
        for place in places
        for path in place.rglob("*")
        if path.is_file() and ".git" not in path.parts and needle in path.read_bytes()
    ]
    assert found == []
    assert list(workspace.repo.glob("entraide.db*")), "the store lives in the repository's folder here"
    assert SUBSCRIBER not in endpoint_process.output
    history = subprocess.run(["git", "log", "-p", "--all"], cwd=workspace.repo, capture_output=True, text=True)
    assert SUBSCRIBER not in history.stdout
