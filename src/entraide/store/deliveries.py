"""What the alerts' sender has seen, matched and mailed: a record that lets a killed run be rerun safely.

An entry is recorded when the sender first finds it in the site's manifest (its publication, as far as the
alerts go), matched once with the subscriptions (one delivery row per subscriber, ever), then listed in one
digest. Before a digest is handed to the mail server, its row and its entries' `mail_id` are committed
(started); just before the last line of its SMTP DATA, the line that makes the server keep it, `ending_at`
is committed; after the server's answer, `sent_at`. A run killed before `ending_at` never delivered the
digest: the rerun puts its entries back and sends them. Killed after it, the digest may have arrived: it is
not sent again (at most once: a double would reach a person; the window is the few microseconds between that
commit and writing 5 bytes to the socket).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from entraide.store.engine import Engine
from entraide.store.opaque import require_opaque

KEPT_SECONDS = 60 * 86400  # longer than an entry stays online: it is never announced twice

SEE = """
INSERT INTO alert_entries (entry_id, commune, category, kind, title, url, seen_at, matched_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO NOTHING
"""
RAN = """
INSERT INTO alert_sender (singleton, last_run_at) VALUES (1, ?)
ON CONFLICT (singleton) DO UPDATE SET last_run_at = excluded.last_run_at
"""
LAST_RUN = "SELECT last_run_at FROM alert_sender"
DUE = """
SELECT entry_id, commune, category, kind, title, url, seen_at FROM alert_entries
WHERE matched_at IS NULL AND seen_at <= ? ORDER BY seen_at, entry_id
"""
DELIVER = "INSERT INTO alert_deliveries (subscription_id, entry_id, queued_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
MATCHED = "UPDATE alert_entries SET matched_at = ? WHERE entry_id = ? AND matched_at IS NULL"
WAITING = "SELECT subscription_id, entry_id FROM alert_deliveries WHERE mail_id IS NULL ORDER BY subscription_id"
WAITING_ENTRIES = """
SELECT entry_id, commune, category, kind, title, url, seen_at FROM alert_entries
WHERE entry_id IN (SELECT entry_id FROM alert_deliveries WHERE mail_id IS NULL)
"""
FORGET = "DELETE FROM alert_deliveries WHERE entry_id = ? AND mail_id IS NULL"
START = "INSERT INTO alert_mails (mail_id, subscription_id, started_at) VALUES (?, ?, ?)"
TAKE = "UPDATE alert_deliveries SET mail_id = ? WHERE subscription_id = ? AND entry_id = ? AND mail_id IS NULL"
LAST_MAIL = """
UPDATE alert_subscriptions SET last_mail_at = ?
WHERE subscription_id = (SELECT subscription_id FROM alert_mails WHERE mail_id = ?)
"""
SENT = "UPDATE alert_mails SET sent_at = ? WHERE mail_id = ?"
UNTAKE = "UPDATE alert_deliveries SET mail_id = NULL WHERE mail_id = ?"
UNSTART = "DELETE FROM alert_mails WHERE mail_id = ?"
STARTED_SINCE = "SELECT COUNT(*) FROM alert_mails WHERE started_at > ?"
UNFINISHED = """
SELECT mail_id, ending_at IS NOT NULL FROM alert_mails WHERE sent_at IS NULL AND started_at <= ? ORDER BY started_at
"""
ENDING = "UPDATE alert_mails SET ending_at = ? WHERE mail_id = ?"
PURGE = (  # each takes one moment: now - KEPT_SECONDS
    "DELETE FROM alert_deliveries WHERE queued_at <= ?",
    "DELETE FROM alert_entries WHERE seen_at <= ?",
    "DELETE FROM alert_mails WHERE started_at <= ?",
)
PURGE_ORPHANS = (  # deliveries of subscriptions that ended by themselves; takes now
    "DELETE FROM alert_deliveries WHERE queued_at <= ? AND NOT EXISTS "
    "(SELECT 1 FROM alert_subscriptions s WHERE s.subscription_id = alert_deliveries.subscription_id)"
)


@dataclass(frozen=True)
class SeenEntry:
    """An entry as the manifest publishes it (never a contact) and when the sender first saw it."""

    entry_id: str
    commune: str
    category: str
    kind: str
    title: str
    url: str
    seen_at: float = 0.0


class AlertDeliveries:
    def __init__(self, engine: Engine, tidy: Callable[[float], None]) -> None:
        self.engine = engine
        self.tidy = tidy

    def see(self, entries: Iterable[SeenEntry], now: float) -> None:
        """Record the entries not seen before, as published now. On the sender's very first run they are recorded
        as matched already: what was online before the alerts began is not announced."""
        with self.engine.transaction() as transaction:
            first = transaction.row(LAST_RUN) is None
            transaction.execute(RAN, (now,))
            rows = [
                (e.entry_id, e.commune, e.category, e.kind, e.title, e.url, now, now if first else None)
                for e in entries
            ]
            for row in rows:
                require_opaque(row[0], "an entry id")
            if rows:
                transaction.execute_many(SEE, rows)
        self.tidy(now)

    def due(self, published_before: float) -> list[SeenEntry]:
        """Entries seen at or before `published_before` and not yet matched, oldest first."""
        with self.engine.transaction(write=False) as transaction:
            return [SeenEntry(*row[:6], float(row[6])) for row in transaction.rows(DUE, (published_before,))]

    def match(self, entry_ids: Sequence[str], deliveries: Sequence[tuple[str, str]], now: float) -> None:
        """Record who is to be told of these entries, and that they are matched: all of it or nothing."""
        with self.engine.transaction() as transaction:
            if deliveries:
                transaction.execute_many(DELIVER, [(sub, entry, now) for sub, entry in deliveries])
            transaction.execute_many(MATCHED, [(now, entry_id) for entry_id in entry_ids])

    def waiting(self) -> dict[str, list[SeenEntry]]:
        """For each subscription, the entries matched for it and not yet in a digest, oldest first (each entry one
        object, however many subscribers wait for it: 10,000 subscribers do not make 200 entries 200,000)."""
        with self.engine.transaction(write=False) as transaction:
            entries = {row[0]: SeenEntry(*row[:6], float(row[6])) for row in transaction.rows(WAITING_ENTRIES)}
            pairs = transaction.rows(WAITING)
        waiting: dict[str, list[SeenEntry]] = {}
        for subscription_id, entry_id in pairs:
            waiting.setdefault(subscription_id, []).append(entries[entry_id])
        for listed in waiting.values():
            listed.sort(key=lambda entry: (entry.seen_at, entry.entry_id))
        return waiting

    def forget(self, entry_ids: Iterable[str]) -> None:
        """Entries withdrawn after they were matched: no digest lists them any more."""
        with self.engine.transaction() as transaction:
            transaction.execute_many(FORGET, [(entry_id,) for entry_id in entry_ids])

    def start_mail(self, mail_id: str, subscription_id: str, entry_ids: Sequence[str], now: float) -> bool:
        """Commit that this digest lists these entries, before it is sent; False (nothing changes) when one of
        them is in another digest already (another sender ran meanwhile)."""
        try:
            with self.engine.transaction() as transaction:
                transaction.execute(START, (mail_id, subscription_id, now))
                for entry_id in entry_ids:
                    if transaction.execute(TAKE, (mail_id, subscription_id, entry_id)).rowcount != 1:
                        raise _Taken
        except _Taken:
            return False
        return True

    def mark_sent(self, mail_id: str, now: float) -> None:
        with self.engine.transaction() as transaction:
            transaction.execute(SENT, (now, mail_id))

    def mark_ending(self, mail_id: str, now: float) -> None:
        """The digest's last line is about to reach the server: from now on it may have been delivered."""
        with self.engine.transaction() as transaction:
            transaction.execute(ENDING, (now, mail_id))
            transaction.execute(LAST_MAIL, (now, mail_id))  # its period starts: a digest surely not sent does not count

    def abandon(self, mail_id: str) -> None:
        """The mail server refused the digest: its entries wait for the next run, as if it had never started."""
        with self.engine.transaction() as transaction:
            transaction.execute(UNTAKE, (mail_id,))
            transaction.execute(UNSTART, (mail_id,))

    def started_since(self, moment: float) -> int:
        """Digests started after `moment`, sent or not: what counts towards the hourly cap."""
        with self.engine.transaction(write=False) as transaction:
            return transaction.row(STARTED_SINCE, (moment,))[0]

    def unfinished(self, before: float) -> list[tuple[str, bool]]:
        """Digests started before `before` whose hand-over was never confirmed (a run killed mid-way), each with
        whether its last line may have reached the server (True: perhaps delivered; False: surely not)."""
        with self.engine.transaction(write=False) as transaction:
            return [(row[0], bool(row[1])) for row in transaction.rows(UNFINISHED, (before,))]


class _Taken(Exception):
    """Rolls back a digest whose entries another sender listed first."""
