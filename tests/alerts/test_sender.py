"""`entraide alerts send`: new entries matched and mailed as digests, once, at the right time (a real SMTP server)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from entraide.alerts.manifest import manifest_json
from entraide.alerts.sender import send_alerts
from entraide.config import Config
from entraide.sealing import Contact, KeyPair
from entraide.store import Choices
from tests.harness.network import LOOPBACK

PARIS = ZoneInfo("Europe/Paris")
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=PARIS).timestamp()
SECRET = b"alerts test secret"
HOSTILE = "Courses <script>alert(1)</script> & {{ config }}"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture
def site(tmp_path: Path, store, keys, mailbox):
    """A manifest to write entries into, settings pointing at it and at the SMTP server, and a run function."""
    manifest = tmp_path / "output" / "alertes" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    config = Config.from_environ(
        {
            "ENTRAIDE_ALERTS_MANIFEST": str(manifest),
            "ENTRAIDE_SMTP_HOST": LOOPBACK,
            "ENTRAIDE_SMTP_PORT": str(mailbox.port),
            "ENTRAIDE_SITE_URL": "https://entraide.test",
            "ENTRAIDE_ENDPOINT_URL": "https://formulaires.entraide.test",
            "ENTRAIDE_ALERTS_DELAY_MINUTES": "30",
            "ENTRAIDE_ALERTS_MAX_ENTRIES": "3",
            "ENTRAIDE_ALERTS_MAILS_PER_HOUR": "100",
        }
    )
    clock = Clock(NOON)
    site = SimpleNamespace(config=config, clock=clock, entries=[], mailbox=mailbox, store=store)

    def publish(*entries):
        """Build the site with these entries too; the sender runs right after (a step of the deployment)."""
        site.entries.extend(entries)
        manifest.write_text(manifest_json(site.entries))
        return run()

    def withdraw(entry_id):
        site.entries[:] = [e for e in site.entries if e.id != entry_id]
        manifest.write_text(manifest_json(site.entries))

    def run(**overrides):
        settings = Config.from_environ({}, **{**config.__dict__, **overrides}) if overrides else config
        return send_alerts(settings, store, keys, SECRET, clock=clock)

    def subscribe(address, **choices):
        contact = Contact(email=address)
        sealed = keys.seal(contact)
        pending = store.subscriptions.ask(keys.fingerprint(contact), sealed, Choices(**choices), clock(), 3600)
        return store.subscriptions.confirm(pending, clock(), 90 * 86400)

    site.publish, site.withdraw, site.run, site.subscribe = publish, withdraw, run, subscribe
    publish()  # the first run: what was online before the alerts began is never announced
    return site


def entry(number: int, commune: str = "38185", category: str = "groceries", kind: str = "request", title: str = ""):
    return SimpleNamespace(
        id=f"grenoble-20261130-{number:08x}",
        kind=kind,
        category=category,
        commune=commune,
        title=title or f"Annonce {number}",
        created="2026-11-30T11:00:00+01:00",
    )


def wait(mailbox, count: int):
    mailbox.wait(count)
    return mailbox.mails


def later(site, minutes: float) -> None:
    site.clock.now += minutes * 60


def test_a_new_entry_reaches_its_subscribers_once_after_the_delay(site):
    site.subscribe("lea@example.fr", communes=("38185",), categories=("groceries",))
    site.subscribe("marc@example.fr", communes=("38151",))  # Échirolles: not told
    later(site, 1)
    site.publish(entry(1, title=HOSTILE))
    assert site.run().mails_sent == 0  # published a minute ago: it may still be withdrawn
    later(site, 31)
    report = site.run()
    assert report.mails_sent == 1 and report.deliveries == 1
    [mail] = site.mailbox.wait(1)
    assert mail["To"] == "lea@example.fr"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].startswith("<https://formulaires.entraide.test/alertes/desabonner?t=s.")
    assert "example.fr" not in mail["List-Unsubscribe"]
    text = mail.get_body(("plain",)).get_content()
    assert HOSTILE in text and "https://entraide.test/annonces/grenoble-20261130-00000001/" in text
    assert "Demande d'aide — Courses — Grenoble" in text
    assert "Votre abonnement prend fin le 28/02/2027" in text
    page = mail.get_body(("html",)).get_content()
    assert "<script>" not in page and "Courses &lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ config }}" in page
    assert "<img" not in page and "src=" not in page
    later(site, 120)
    assert site.run().mails_sent == 0
    assert len(site.mailbox.wait(2, timeout=0.5)) == 1


def test_an_entry_withdrawn_before_its_delay_is_never_announced(site):
    site.subscribe("lea@example.fr")
    later(site, 1)
    site.publish(entry(1))
    site.run()
    site.withdraw(entry(1).id)
    later(site, 60)
    assert site.run().mails_sent == 0
    assert site.mailbox.wait(1, timeout=0.5) == []


def test_quiet_hours_hold_the_mails_until_morning(site):
    site.clock.now = dt.datetime(2026, 11, 30, 21, 30, tzinfo=PARIS).timestamp()
    site.subscribe("lea@example.fr")
    later(site, 1)
    site.publish(entry(1))
    later(site, 60)
    report = site.run()
    assert (report.mails_sent, report.held_by, report.subscribers_waiting) == (0, "quiet hours", 1)
    site.clock.now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=PARIS).timestamp()
    assert site.run().mails_sent == 1


def test_at_most_one_mail_per_period_listing_at_most_n_entries(site):
    site.subscribe("lea@example.fr", frequency="hourly")
    site.subscribe("marc@example.fr", frequency="daily")
    later(site, 1)
    site.publish(*(entry(n) for n in range(1, 6)))
    later(site, 31)
    assert site.run().mails_sent == 2
    for mail in site.mailbox.wait(2):
        text = mail.get_body(("plain",)).get_content()
        assert mail["Subject"] == "5 nouvelles annonces près de chez vous"
        assert text.count("https://entraide.test/annonces/") == 3
        assert "… et 2 autres : https://entraide.test/" in text
    site.publish(entry(6))
    later(site, 61)
    report = site.run()
    assert (report.mails_sent, report.subscribers_waiting) == (1, 1)  # the hourly one; the daily one waits
    assert site.mailbox.mails[-1].recipients == ["lea@example.fr"]


def test_the_hourly_cap_holds_the_rest_for_the_next_run(site):
    for n in range(3):
        site.subscribe(f"personne{n}@example.fr")
    later(site, 1)
    site.publish(entry(1))
    later(site, 31)
    report = site.run(alerts_mails_per_hour=2)
    assert (report.mails_sent, report.held_by) == (2, "cap")
    later(site, 61)
    assert site.run(alerts_mails_per_hour=2).mails_sent == 1
    assert sorted(m.recipients[0] for m in wait(site.mailbox, 3)) == [f"personne{n}@example.fr" for n in range(3)]


def test_a_run_stopped_half_way_is_finished_by_the_next_without_doubles(site, keys):
    for n in range(6):
        site.subscribe(f"personne{n}@example.fr")
    later(site, 1)
    site.publish(entry(1), entry(2))
    later(site, 31)

    def stop_after_three(sent: int) -> None:
        if sent == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        send_alerts(site.config, site.store, keys, SECRET, clock=site.clock, after_each_mail=stop_after_three)
    assert site.run().mails_sent == 3
    recipients = sorted(m.recipients[0] for m in wait(site.mailbox, 6))
    assert recipients == [f"personne{n}@example.fr" for n in range(6)]


def caught(site, ending: bool):
    """A digest a killed run recorded as started (and as ending: its last line perhaps sent), never as sent."""
    subscription = site.subscribe("lea@example.fr")
    later(site, 1)
    site.publish(entry(1))
    later(site, 31)
    site.run(alerts_quiet_hours="00:00-23:59")  # matched, not sent
    site.store.deliveries.start_mail("killedmidway", subscription.subscription_id, [entry(1).id], site.clock())
    if ending:
        site.store.deliveries.mark_ending("killedmidway", site.clock())


def test_a_digest_killed_before_its_last_line_is_sent_by_the_next_run(site):
    caught(site, ending=False)
    report = site.run()
    assert report.interrupted == [] and report.mails_sent == 1
    [mail] = site.mailbox.wait(1)
    assert entry(1).id in mail.get_body(("plain",)).get_content()


def test_a_digest_killed_after_its_last_line_may_have_arrived_and_is_never_sent_again(site):
    caught(site, ending=True)
    report = site.run()
    assert report.interrupted == ["killedmidway"] and report.mails_sent == 0
    assert site.run().interrupted == []  # told once
    assert site.mailbox.wait(1, timeout=0.5) == []


def test_a_run_with_nothing_to_send_never_reaches_the_mail_server(site):
    from tests.harness.ports import free_port

    site.subscribe("lea@example.fr")
    later(site, 1)
    site.publish(entry(1))  # seen, not yet due
    assert site.run(smtp_port=free_port()).mails_sent == 0  # no server listens there: not asked
