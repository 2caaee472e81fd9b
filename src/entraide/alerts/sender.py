"""`entraide alerts send`: what the site published since the last run, matched and mailed as digests.

One run, top to bottom, one sender at a time (a lease in the store):
    read the manifest → record new entries (seen = published) → match those published long enough ago
    (ENTRAIDE_ALERTS_DELAY_MINUTES) with the running subscriptions → outside quiet hours, within the hourly
    cap, for each subscriber whose period is over: one digest of what waits for them.
Each step commits before the next, and a digest is recorded before it is handed to the mail server
(store/deliveries.py): killed anywhere, the next run goes on from there and never lists an entry twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from zoneinfo import ZoneInfo

from entraide.alerts import links
from entraide.alerts.choices import FREQUENCY_SECONDS
from entraide.alerts.mails import digest_mail
from entraide.alerts.manifest import read_manifest
from entraide.categories import category
from entraide.communes import load_communes
from entraide.config import Config
from entraide.mail import Deliver, MailUnavailable, compose_bulk, mail_session
from entraide.sealing import KeyPair, SealingError
from entraide.store import SeenEntry, Store, Subscription, new_holder

log = logging.getLogger("entraide.alerts")

LEASE = "alerts-sender"
LEASE_SECONDS = 600.0
MATCH_BATCH = 50  # entries matched per transaction


@dataclass
class RunReport:
    matched_entries: int = 0
    deliveries: int = 0
    mails_sent: int = 0
    subscribers_waiting: int = 0  # their period is not over, or the cap or quiet hours hold them back
    interrupted: list[str] = field(default_factory=list)  # digests a killed run may have delivered: not resent
    held_by: str = ""  # "quiet hours", "cap", "another sender"


def send_alerts(
    config: Config,
    store: Store,
    keys: KeyPair,
    secret: bytes,
    clock: Callable[[], float] = time.time,
    after_each_mail: Callable[[int], None] | None = None,
) -> RunReport:
    """One run of the sender; `after_each_mail` is for the tests and the benchmark (they stop a run half-way)."""
    run = Run(config, store, keys, secret, clock, after_each_mail)
    holder = new_holder()
    if not store.leases.acquire(LEASE, holder, clock(), LEASE_SECONDS):
        run.report.held_by = "another sender"
        return run.report
    try:
        run.renew_lease = lambda: store.leases.acquire(LEASE, holder, clock(), LEASE_SECONDS)
        run.go()
    finally:
        store.leases.release(LEASE, holder)
    return run.report


@dataclass
class Run:
    config: Config
    store: Store
    keys: KeyPair
    secret: bytes
    clock: Callable[[], float]
    after_each_mail: Callable[[int], None] | None = None
    report: RunReport = field(default_factory=RunReport)
    renew_lease: Callable[[], bool] = lambda: True

    def go(self) -> None:
        published = read_manifest(self.config.alerts_manifest)
        listed = {entry.entry_id for entry in published}
        now = self.clock()
        self.store.deliveries.see(published, now)
        self.match(listed, now - self.config.alerts_delay_minutes * 60, now)
        self.settle_interrupted(now)
        if _quiet(self.config, self.clock()):
            self.report.held_by = "quiet hours"
            self.report.subscribers_waiting = len(self.store.deliveries.waiting())
            return
        self.send(listed)

    def match(self, listed: set[str], published_before: float, now: float) -> None:
        """Each entry due, once, with the subscriptions that want it and ran before it was published."""
        due = self.store.deliveries.due(published_before)
        if not due:
            return
        index = _index(self.store.subscriptions.active(now))
        for start in range(0, len(due), MATCH_BATCH):
            batch = due[start : start + MATCH_BATCH]
            deliveries = [
                (subscription.subscription_id, entry.entry_id)
                for entry in batch
                if entry.entry_id in listed  # withdrawn before its delay was over: never announced
                for subscription in (*index.get(entry.commune, ()), *index.get("*", ()))
                if subscription.confirmed_at <= entry.seen_at
                and subscription.choices.wants(entry.commune, entry.category, entry.kind)
            ]
            self.store.deliveries.match([entry.entry_id for entry in batch], deliveries, now)
            self.report.matched_entries += sum(1 for entry in batch if entry.entry_id in listed)
            self.report.deliveries += len(deliveries)

    def settle_interrupted(self, now: float) -> None:
        """Digests a killed run was handing over: sent again when surely not delivered, else never (at most once)."""
        for mail_id, perhaps_delivered in self.store.deliveries.unfinished(now):
            if perhaps_delivered:
                log.warning(
                    "digest %s was ending when a run stopped: it may have arrived, it is not sent again", mail_id
                )
                self.store.deliveries.mark_sent(mail_id, now)
                self.report.interrupted.append(mail_id)
            else:
                self.store.deliveries.abandon(mail_id)  # the server never kept it: its entries wait for this run

    def send(self, listed: set[str]) -> None:
        """One digest for each subscriber whose period is over, within the hourly cap; the mail server is only
        reached when there is something to send."""
        todo = self.digests_due(listed)
        if not todo:
            return
        with mail_session(self.config) as deliver:
            for subscription, entries in todo:
                if self.send_digest(subscription, entries, deliver):
                    self.sent_one()

    def digests_due(self, listed: set[str]) -> list[tuple[Subscription, list[SeenEntry]]]:
        waiting = self.store.deliveries.waiting()
        withdrawn = {e.entry_id for entries in waiting.values() for e in entries} - listed
        if withdrawn:
            self.store.deliveries.forget(withdrawn)
        now = self.clock()
        running = {s.subscription_id: s for s in self.store.subscriptions.active(now)}
        cap = self.config.alerts_mails_per_hour
        left = cap - self.store.deliveries.started_since(now - 3600) if cap else len(waiting)
        todo = []
        for subscription_id, entries in waiting.items():
            subscription = running.get(subscription_id)
            entries = [e for e in entries if e.entry_id in listed]
            if subscription is None or not entries:
                continue
            if not _period_over(subscription, now):
                self.report.subscribers_waiting += 1
            elif len(todo) >= left:
                self.report.held_by = "cap"
                self.report.subscribers_waiting += 1
            else:
                todo.append((subscription, entries))
        return todo

    def send_digest(self, subscription: Subscription, entries: list[SeenEntry], deliver: Deliver) -> bool:
        """Record the digest as started, hand it over, record it as sent; False when it cannot be made."""
        mail_id = uuid.uuid4().hex[:16]
        try:
            address = self.keys.unseal(subscription.address_sealed).email
        except (SealingError, ValueError):
            log.warning("subscription %s: its address cannot be opened with this key", subscription.subscription_id)
            return False
        message = _digest(self.config, self.secret, subscription, entries, address, mail_id)
        entry_ids = [e.entry_id for e in entries]
        if not self.store.deliveries.start_mail(mail_id, subscription.subscription_id, entry_ids, self.clock()):
            return False
        ending: list[bool] = []

        def before_last_line() -> None:
            self.store.deliveries.mark_ending(mail_id, self.clock())
            ending.append(True)

        try:
            deliver(message, mail_id, before_last_line)
        except MailUnavailable:
            if ending:  # lost with the server's answer: it may have arrived, so never again (at most once)
                self.store.deliveries.mark_sent(mail_id, self.clock())
            else:  # refused before the server could keep it: the next run tries again
                self.store.deliveries.abandon(mail_id)
            raise
        self.store.deliveries.mark_sent(mail_id, self.clock())
        return True

    def sent_one(self) -> None:
        self.report.mails_sent += 1
        if self.report.mails_sent % 100 == 0:
            self.renew_lease()
        if self.after_each_mail:
            self.after_each_mail(self.report.mails_sent)


def _index(subscriptions: Sequence[Subscription]) -> dict[str, list[Subscription]]:
    """Subscriptions by commune ("*": the whole territory): an entry is only checked against its commune's."""
    index: dict[str, list[Subscription]] = {}
    for subscription in subscriptions:
        for commune in subscription.choices.communes or ("*",):
            index.setdefault(commune, []).append(subscription)
    return index


def _digest(
    config: Config, secret: bytes, subscription: Subscription, entries: list[SeenEntry], address: str, mail_id: str
) -> Message:
    """The digest's mail: signed links to change and to unsubscribe, RFC 8058's headers, the subscription's end."""
    token = links.subscription_token(secret, subscription.subscription_id)
    unsubscribe = links.url(config.endpoint_url, "alertes/desabonner", token)
    change = links.url(config.endpoint_url, "alertes/choix", token)
    ends = dt.datetime.fromtimestamp(subscription.expires_at, ZoneInfo(config.timezone)).date()
    subject, text, html = digest_mail(
        entries, config.alerts_max_entries, _more_url(config, subscription), config.site_url, change, unsubscribe, ends
    )
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return compose_bulk(config, address, subject, text, html, headers, mail_id)


def _more_url(config: Config, subscription: Subscription) -> str:
    """Where « et X autres » leads: the subscriber's commune, else category, else the home page."""
    choices = subscription.choices
    if len(choices.communes) == 1:
        return f"{config.site_url}/communes/{load_communes().by_code[choices.communes[0]].slug}/"
    if len(choices.categories) == 1:
        return f"{config.site_url}/categories/{category(choices.categories[0]).slug}/"
    return f"{config.site_url}/"


def _period_over(subscription: Subscription, now: float) -> bool:
    last = subscription.last_mail_at
    return last is None or now - last >= FREQUENCY_SECONDS.get(subscription.choices.frequency, 86400.0)


def _quiet(config: Config, now: float) -> bool:
    """Whether `now` falls in the quiet hours (in the territory's time zone)."""
    if not config.alerts_quiet_hours:
        return False
    start, end = (dt.time.fromisoformat(part) for part in config.alerts_quiet_hours.split("-"))
    local = dt.datetime.fromtimestamp(now, ZoneInfo(config.timezone)).time()
    return (start <= local or local < end) if start > end else (start <= local < end)
