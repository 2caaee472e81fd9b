"""A contact never appears in clear: not in files, pending YAML, records nor logs; only the private key opens it."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

import pytest

from entraide.sealing import Contact, KeyPair, SealingError
from tests.harness.endpoint import AUTHOR_EMAIL, AUTHOR_PHONE, GOOD_FORM, VISITOR_EMAIL, approved_entry


def traces(value: str) -> list[str]:
    """The forms a contact could take in a file: as typed, without spaces, the local part of an email."""
    found = [value, value.replace(" ", "")]
    if "@" in value:
        found.append(value.split("@")[0])
    return found


def test_no_contact_in_clear_anywhere_after_a_whole_journey(make_endpoint, caplog, address_api):
    caplog.set_level(logging.DEBUG)
    endpoint = make_endpoint(ENTRAIDE_GEOCODER_URL=address_api)
    sent = endpoint.post("/submit", json={**GOOD_FORM, "address": "12 rue de la République Grenoble"}).json()
    approved = approved_entry(endpoint, title="Aide aux devoirs de maths", category="homework")
    endpoint.post(
        "/contact",
        json={
            "entry": approved.entry.id,
            "message": "Bonjour, je suis intéressé.",
            "name": "Sam",
            "email": VISITOR_EMAIL,
        },
    )
    endpoint.post("/report", json={"entry": approved.entry.id, "reason": "Un doute sur cette annonce"})
    endpoint.post("/withdraw", json={"entry": sent["id"], "key": sent["withdraw_key"]})
    endpoint.post("/submit", json={**GOOD_FORM, "title": "Courses encore", "email": "bad@"})

    files = endpoint.all_files()
    assert any(p.suffix == ".yaml" for p in files) and any(p.suffix == ".jsonl" for p in files)
    secrets = traces(AUTHOR_EMAIL) + traces(AUTHOR_PHONE) + traces(VISITOR_EMAIL)
    for path in files:
        text = path.read_text("utf-8", errors="replace")
        assert not [s for s in secrets if s in text], path
    # mail.log is the test's SMTP server, standing for the recipients' mail server: it logs what it receives
    logged = unquote_plus("\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")))
    assert "POST /submit 201" in logged and "POST /contact 200" in logged
    assert not [s for s in secrets if s in logged]
    assert "République" not in logged


def test_the_request_log_line_names_the_entry_not_the_person(endpoint, caplog):
    caplog.set_level(logging.INFO, logger="entraide")
    sent = endpoint.post("/submit", json=GOOD_FORM).json()
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("POST /submit")]
    assert re.fullmatch(rf"POST /submit 201 [0-9.]+ms entry={sent['id']}", line)


def test_the_sealed_contact_opens_with_the_private_key_and_with_no_other(endpoint):
    endpoint.post("/submit", json=GOOD_FORM)
    [entry] = endpoint.pending_entries()
    assert endpoint.keys.unseal(entry.contact) == Contact(AUTHOR_EMAIL, AUTHOR_PHONE)
    with pytest.raises(SealingError):
        KeyPair.generate().unseal(entry.contact)


def test_a_typed_path_is_not_logged(endpoint, caplog):
    caplog.set_level(logging.INFO, logger="entraide")
    assert endpoint.get(f"/{AUTHOR_EMAIL}").status_code == 404
    assert not [r for r in caplog.records if "odile" in r.getMessage()]
    assert any("GET (unknown path) 404" in r.getMessage() for r in caplog.records)
