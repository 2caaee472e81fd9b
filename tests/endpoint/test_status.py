"""POST /status (the withdraw key) and /followup (signed links): the author changes the status; a wrong key, a
forged or expired link change nothing and say why in French."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time

from entraide.entries import write_entry
from entraide.pipeline import load_entries
from entraide.status import LINK_DAYS, sign_link
from tests.endpoint.test_relay import text_of
from tests.harness.endpoint import approved_entry


def the_entry(endpoint):
    [entry] = load_entries(endpoint.config.submissions_path)
    return entry


def files(endpoint) -> dict[str, str]:
    return {str(p): p.read_text() for p in endpoint.root.rglob("*.yaml")}


def test_the_author_marks_the_entry_taken_with_the_key_typed_loosely(endpoint):
    result = approved_entry(endpoint)
    typed = result.withdraw_key.lower().replace("-", " ")
    answer = endpoint.post("/status", data={"entry": result.entry.id, "key": typed, "status": "taken"})
    assert answer.status_code == 200
    assert "Votre annonce est marquée « Complet »" in text_of(answer.text)  # an offer: « complet »
    assert the_entry(endpoint).status == "taken"
    assert the_entry(endpoint).to_data() == {**result.entry.to_data(), "status": "taken"}


def test_resolved_then_open_again_in_json(endpoint):
    result = approved_entry(endpoint, kind="request")
    sent = {"entry": result.entry.id, "key": result.withdraw_key}
    assert "Résolu" in endpoint.post("/status", json={**sent, "status": "resolved"}).json()["message"]
    assert the_entry(endpoint).status == "resolved"
    assert "de nouveau ouverte" in endpoint.post("/status", json={**sent, "status": "open"}).json()["message"]
    assert the_entry(endpoint) == result.entry


def test_a_wrong_key_or_status_changes_nothing(endpoint):
    result = approved_entry(endpoint)
    before = files(endpoint)
    wrong = endpoint.post("/status", data={"entry": result.entry.id, "key": "7KQ2-M9XD-0T1B-W10E", "status": "taken"})
    assert wrong.status_code == 403
    assert "Clé de retrait : clé de retrait incorrecte" in text_of(wrong.text)
    assert re.search(r'value="taken"[^>]* checked', wrong.text), "the form comes back as it was sent"
    odd = endpoint.post("/status", data={"entry": result.entry.id, "key": result.withdraw_key, "status": "supprimé"})
    assert odd.status_code == 400 and "choisissez l'une des réponses proposées" in text_of(odd.text)
    none = endpoint.post("/status", data={"entry": result.entry.id, "key": result.withdraw_key})
    assert none.status_code == 400 and "choisissez où en est votre annonce" in text_of(none.text)
    assert files(endpoint) == before


def link(endpoint, entry_id: str, choice: str, now: float | None = None) -> str:
    return sign_link(endpoint.app.secret, entry_id, choice, time.time() if now is None else now)


def test_a_link_asks_first_then_changes_the_status(endpoint):
    result = approved_entry(endpoint, kind="request")
    token = link(endpoint, result.entry.id, "resolved")
    before = files(endpoint)
    page = endpoint.get("/followup", params={"t": token})
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "sera marquée « Résolu »" in text_of(page.text)
    assert files(endpoint) == before, "opening the link (a mail scanner does) changes nothing"
    done = endpoint.post("/followup", data={"t": token})
    assert done.status_code == 200 and "« Résolu »" in text_of(done.text)
    assert the_entry(endpoint).status == "resolved"


def test_still_needed_renews_once(endpoint):
    result = approved_entry(endpoint, kind="request")
    token = link(endpoint, result.entry.id, "renew")
    assert "remise en tête" in text_of(endpoint.post("/followup", data={"t": token}).text)
    renewed = the_entry(endpoint)
    assert renewed.renewed and renewed.expires >= result.entry.expires
    again = endpoint.post("/followup", data={"t": token})
    assert "déjà été remise en tête" in text_of(again.text)
    assert the_entry(endpoint) == renewed


def test_forged_and_expired_links_change_nothing(endpoint):
    result = approved_entry(endpoint, kind="request")
    token = link(endpoint, result.entry.id, "taken")
    entry_id, _, expires, signature = token.split(".")
    forged = f"{entry_id}.resolved.{expires}.{signature}"
    expired = link(endpoint, result.entry.id, "resolved", now=time.time() - LINK_DAYS * 86400 - 60)
    other = sign_link(b"another instance's secret", result.entry.id, "resolved", time.time())
    before = files(endpoint)
    accented = f"{entry_id}.resolved.{expires}.{signature[:-1]}é"  # a mail client's mangling: not a server error
    bad_links = ((forged, "modifié"), (expired, "expiré"), (other, "modifié"), (accented, "modifié"))
    for bad, words in (*bad_links, ("n'importe quoi", "incomplet")):
        for answer in (endpoint.get("/followup", params={"t": bad}), endpoint.post("/followup", data={"t": bad})):
            assert answer.status_code == 400, bad
            assert "Lien non valable" in answer.text and words in text_of(answer.text)
    assert endpoint.post("/followup", data={}).status_code == 400
    assert files(endpoint) == before


def test_hostile_title_stays_text_on_the_confirmation_page(endpoint):
    result = approved_entry(endpoint, kind="request", title="<script>alert(1)</script> {{ 7*7 }}")
    page = endpoint.get("/followup", params={"t": link(endpoint, result.entry.id, "taken")})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in page.text


def test_a_key_issued_before_still_works_on_both_forms(endpoint):
    old = "DjMrODBdhnw9DdPy6rfOhw"  # 22 base64url characters, as the endpoint issued them before
    entry = dataclasses.replace(
        approved_entry(endpoint).entry, withdraw_key_hash="sha256:" + hashlib.sha256(old.encode()).hexdigest()
    )
    write_entry(endpoint.config.submissions_path, entry)
    lowered = endpoint.post("/status", data={"entry": entry.id, "key": old.lower(), "status": "taken"})
    assert lowered.status_code == 403, "an old key stays case-sensitive"
    assert endpoint.post("/status", data={"entry": entry.id, "key": old, "status": "taken"}).status_code == 200
    assert endpoint.post("/withdraw", data={"entry": entry.id, "key": old}).status_code == 200
    assert load_entries(endpoint.config.submissions_path) == []
