"""`entraide followups send`: one mail « Avez-vous trouvé de l'aide ? » per request, to authors who gave an email,
through a real SMTP server; never twice, whatever the number of runs."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest

from entraide.keys import token_secret
from entraide.sealing import KeyPair
from entraide.status import verify_link
from tests.harness.network import LOOPBACK
from tests.harness.repository import make_entry, write

NOW = "2026-11-23T18:00:00+01:00"
ENDPOINT = "https://api.entraide.example"


@pytest.fixture
def sending(repo, monkeypatch, mailbox):
    monkeypatch.setenv("ENTRAIDE_SMTP_HOST", LOOPBACK)
    monkeypatch.setenv("ENTRAIDE_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("ENTRAIDE_ENDPOINT_URL", ENDPOINT)
    monkeypatch.setenv("ENTRAIDE_SITE_URL", "https://entraide.example")
    return mailbox


def request(keys, number, created, **changes):
    return make_entry(keys, number, kind="request", created=created, **{"expires": "2026-12-31", **changes})


def test_one_mail_per_request_published_three_days_ago_never_twice(repo, keys: KeyPair, sending, cli):
    due = request(keys, 1, "2026-11-20T09:00:00+01:00", email="odile@example.org", title='<b>Courses</b> "{{ x }}"')
    for entry in (
        due,
        request(keys, 2, "2026-11-21T09:00:00+01:00", email="trop.tot@example.org"),  # two days ago: not yet
        request(keys, 3, "2026-11-19T09:00:00+01:00", email="", phone="04 76 00 00 00"),  # a phone only
        request(keys, 4, "2026-11-18T09:00:00+01:00", email="fini@example.org", status="resolved"),
        make_entry(keys, 5, created="2026-11-18T09:00:00+01:00", expires="2026-12-31"),  # an offer
        request(keys, 6, "2026-11-01T09:00:00+01:00", email="ancienne@example.org"),  # 22 days: too late to ask
    ):
        write(repo / "submissions", entry)

    first = cli("followups", "send", "--now", NOW)
    again = cli("followups", "send", "--now", NOW)

    assert first.code == 0, first.err
    assert first.out.strip() == (
        "1 relance envoyée, 0 déjà faite, 1 sans adresse e-mail, 0 refusée par le serveur de messagerie."
    )
    assert again.out.startswith("0 relance envoyée, 1 déjà faite,")
    [mail] = sending.wait(2, timeout=1)
    assert mail["To"] == "odile@example.org"
    assert mail["Subject"] == "Avez-vous trouvé de l'aide ?"
    body = mail.get_content()
    assert '« <b>Courses</b> "{{ x }}" »' in body, "the title as typed, in a plain-text mail"
    links = re.findall(rf"{re.escape(ENDPOINT)}/followup\?t=\S+", body)
    assert len(links) == 3
    secret = token_secret(_config(), keys)
    choices = [verify_link(parse_qs(urlparse(link).query)["t"][0], secret, 1_795_000_000)[1] for link in links]
    assert choices == ["resolved", "taken", "renew"]
    assert {verify_link(parse_qs(urlparse(link).query)["t"][0], secret, 1_795_000_000)[0] for link in links} == {due.id}


def test_turned_off_with_zero_days(repo, keys, sending, cli, monkeypatch):
    monkeypatch.setenv("ENTRAIDE_FOLLOWUP_DAYS", "0")
    write(repo / "submissions", request(keys, 1, "2026-11-20T09:00:00+01:00"))
    assert "Relances désactivées" in cli("followups", "send", "--now", NOW).out
    assert sending.wait(1, timeout=0.5) == []


def _config():
    import os

    from entraide.config import Config

    return Config.from_environ(os.environ)


def test_the_daily_workflow_step_sends_them(repo, keys, sending, tmp_path):
    """followups.yml's script as GitHub's runner runs it, in a real repository, `pip` replaced (no network)."""
    from tests.moderation.test_workflows import install_entraide, run_step

    in_a_month = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    write(repo / "submissions", request(keys, 1, _three_days_ago(), email="odile@example.org", expires=in_a_month))
    install_entraide(repo)
    (repo / ".venv" / "bin" / "pip").write_text("#!/bin/sh\nexit 0\n")
    (repo / ".venv" / "bin" / "pip").chmod(0o755)

    skipped = run_step("followups.yml", "Envoyer les relances", repo, {"ENTRAIDE_DATABASE_URL": ""})
    done = run_step("followups.yml", "Envoyer les relances", repo, {})

    assert skipped.returncode == 0 and "::notice::" in skipped.stdout
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 relance envoyée")
    [mail] = sending.wait(1)
    assert mail["To"] == "odile@example.org"


def _three_days_ago() -> str:
    moment = dt.datetime.now(dt.timezone(dt.timedelta(hours=1))) - dt.timedelta(days=3, hours=1)
    return moment.isoformat(timespec="seconds")
