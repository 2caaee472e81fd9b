"""An entry's status: the schema knows it, changes are pure, follow-up links are signed and expire."""

import dataclasses
import datetime as dt

import pytest

from entraide.entries import check, parse, to_yaml
from entraide.status import (
    LINK_DAYS,
    STILL_NEEDED,
    LinkProblem,
    change_status,
    sign_link,
    status_label,
    verify_link,
)
from tests.core.test_entries import an_entry

NOW = dt.datetime(2026, 11, 23, 18, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
SECRET = b"a test secret"


def test_the_schema_knows_the_status_and_says_what_a_wrong_one_should_be():
    for status in ("open", "taken", "resolved"):
        assert check(an_entry(status=status).to_data()) == []
    [problem] = check({**an_entry().to_data(), "status": "fini"})
    assert problem.key == "status" and "resolved" in problem.message and "taken" in problem.message
    [problem] = check({**an_entry().to_data(), "renewed": "demain"})
    assert problem.key == "renewed" and "ISO 8601" in problem.message


def test_no_status_is_open_and_the_file_stays_as_it_was():
    entry = an_entry()
    assert entry.state == "open"
    assert "status" not in to_yaml(entry) and "renewed" not in to_yaml(entry)
    assert "status: taken" in to_yaml(an_entry(status="taken"))
    assert parse(to_yaml(an_entry(status="taken")))["status"] == "taken"


def test_french_words_depend_on_the_kind():
    assert status_label("request", "taken") == "Pris en charge"
    assert status_label("offer", "taken") == "Complet"
    assert status_label("request", "resolved") == status_label("offer", "resolved") == "Résolu"


def test_changing_the_status_touches_nothing_else():
    entry = an_entry()
    change = change_status(entry, "taken", NOW, 30)
    assert change.changed and change.entry == dataclasses.replace(entry, status="taken")
    assert "Pris en charge" in change.message
    assert change_status(change.entry, "taken", NOW, 30).changed is False
    reopened = change_status(change.entry, "open", NOW, 30)
    assert reopened.entry == entry, "open is written as no status at all"


def test_still_needed_renews_once():
    entry = an_entry(status="taken", expires="2026-11-25")
    first = change_status(entry, STILL_NEEDED, NOW, 30)
    assert first.entry.state == "open"
    assert first.entry.renewed == "2026-11-23T18:05:00+01:00"
    assert first.entry.expires == "2026-12-23"
    assert "23/12/2026" in first.message
    again = change_status(first.entry, STILL_NEEDED, NOW + dt.timedelta(days=5), 30)
    assert again.entry == first.entry and not again.changed
    assert "déjà été remise en tête" in again.message


def test_a_signed_link_opens_its_entry_and_status_only():
    now = NOW.timestamp()
    token = sign_link(SECRET, "grenoble-20261120-3f9a1c2e", "resolved", now)
    assert verify_link(token, SECRET, now + 3600) == ("grenoble-20261120-3f9a1c2e", "resolved")
    entry_id, choice, expires, signature = token.split(".")
    forged = [
        f"{entry_id}.taken.{expires}.{signature}",  # another status
        f"grenoble-20261120-00000000.{choice}.{expires}.{signature}",  # another entry
        f"{entry_id}.{choice}.{int(expires) + 86400}.{signature}",  # a longer life
        f"{entry_id}.{choice}.{expires}.{signature[:-2]}AA",
    ]
    for token_forged in forged:
        with pytest.raises(LinkProblem, match="modifié"):
            verify_link(token_forged, SECRET, now)
    with pytest.raises(LinkProblem, match="modifié"):
        verify_link(token, b"another instance", now)
    for broken in ("", "abc", f"{entry_id}.supprimer.{expires}.{signature}", token.replace(".", "", 1)):
        with pytest.raises(LinkProblem, match="incomplet"):
            verify_link(broken, SECRET, now)


def test_a_link_expires():
    now = NOW.timestamp()
    token = sign_link(SECRET, "grenoble-20261120-3f9a1c2e", "taken", now)
    verify_link(token, SECRET, now + LINK_DAYS * 86400)
    with pytest.raises(LinkProblem, match="expiré"):
        verify_link(token, SECRET, now + LINK_DAYS * 86400 + 1)
