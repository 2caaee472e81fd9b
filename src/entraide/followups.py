"""Follow-ups: days after a request is published, its author is asked « Avez-vous trouvé de l'aide ? », once.

`send_followups` reads what the build publishes (the entries of submissions/, through the one pipeline, with
the build's publication rule), picks the open or taken requests published ENTRAIDE_FOLLOWUP_DAYS ago or more
(and no more than CATCH_UP_DAYS later, so that a first run does not mail a whole backlog), and mails each author
who gave an email three signed links (status.py). The store's `followups` table is claimed before each mail: a
rerun, or another machine running it at the same time, never mails anyone twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from entraide.entries import RESOLVED, Entry
from entraide.messages import followup_mail
from entraide.sealing import KeyPair, SealingError
from entraide.status import LINK_CHOICES, sign_link
from entraide.store import Store

log = logging.getLogger("entraide.followups")

CATCH_UP_DAYS = 7
SendMail = Callable[[str, str, str], object]


@dataclass
class Outcome:
    sent: int = 0
    already: int = 0  # asked before, by this run's predecessors
    without_email: int = 0  # a phone only: an agent may call, nothing is sent
    failed: int = 0  # the mail server refused: not retried (never twice), counted and logged


def due(entries: Iterable[Entry], now: dt.datetime, days: int) -> list[Entry]:
    """Requests on the site now, not resolved, published `days` days ago or more, and at most CATCH_UP_DAYS late."""
    earliest, latest = now - dt.timedelta(days=days + CATCH_UP_DAYS), now - dt.timedelta(days=days)
    return [
        entry
        for entry in entries
        if entry.kind == "request"
        and entry.state != RESOLVED
        and entry.is_active(now.date())
        and earliest < entry.created_at <= latest
    ]


def send_followups(
    entries: Iterable[Entry],
    *,
    store: Store,
    keys: KeyPair,
    secret: bytes,
    now: dt.datetime,
    days: int,
    endpoint_url: str,
    site_url: str,
    send_mail: SendMail,
) -> Outcome:
    outcome = Outcome()
    for entry in due(entries, now, days):
        email = _email_of(entry, keys)
        if not email:
            outcome.without_email += 1
        elif not store.followups.claim(entry.id, now.timestamp()):
            outcome.already += 1
        else:
            _send(entry, email, secret, now, endpoint_url, site_url, send_mail, outcome)
    return outcome


def _send(
    entry: Entry,
    email: str,
    secret: bytes,
    now: dt.datetime,
    endpoint_url: str,
    site_url: str,
    send_mail: SendMail,
    outcome: Outcome,
) -> None:
    from entraide.mail import MailUnavailable

    links = {
        choice: f"{endpoint_url}/followup?t={sign_link(secret, entry.id, choice, now.timestamp())}"
        for choice in LINK_CHOICES
    }
    try:
        send_mail(email, *followup_mail(entry, links, site_url))
    except MailUnavailable:
        outcome.failed += 1
        log.warning("follow-up of entry %s not sent: the mail server refused it", entry.id)
        return
    outcome.sent += 1


def _email_of(entry: Entry, keys: KeyPair) -> str:
    try:
        return keys.unseal(entry.contact).email
    except (SealingError, ValueError):  # a sample entry, or sealed by another instance's key
        return ""
