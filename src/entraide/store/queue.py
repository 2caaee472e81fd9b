"""The intake queue: entries accepted from residents, waiting for a publisher to hand them to moderators.

An entry is enqueued once (by its id), claimed by one publisher at a time for a lease, and leaves the queue
only when `mark_published` says its pull request or file exists. A publisher killed mid-batch (even by
SIGKILL) loses nothing: its claims come back when their lease runs out, and the forge side is idempotent by
entry id, so the next publisher finishes the job without doubling it. A publisher must finish an entry
within its lease (`Claimed.lease_until`) or claim it again.

The payload is the caller's JSON, with the contact already sealed: the store never sees a contact in clear,
and nothing here (list, stats) shows a resident's text.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from entraide.store import idempotency
from entraide.store.engine import Engine
from entraide.store.opaque import require_opaque

REASON_LENGTH = 500

ENQUEUE = """
INSERT INTO intake_queue (entry_id, payload, queued_at, available_at) VALUES (?, ?, ?, ?)
ON CONFLICT (entry_id) DO NOTHING RETURNING 1
"""
CLAIM = """
WITH next (claimed_id) AS MATERIALIZED (
    SELECT entry_id FROM intake_queue WHERE available_at <= ? AND withdrawn = 0 AND entry_id LIKE ?
    ORDER BY queued_at, entry_id LIMIT ?{skip_locked}
)
UPDATE intake_queue SET claimed_by = ?, available_at = ?, attempts = attempts + 1
FROM next WHERE entry_id = claimed_id
RETURNING entry_id, payload, queued_at, attempts
"""
PAYLOAD = "SELECT payload FROM intake_queue WHERE entry_id = ? AND withdrawn = 0"
REPLACE_PAYLOAD = """
UPDATE intake_queue SET payload = ? WHERE entry_id = ? AND claimed_by = ? AND withdrawn = 0 RETURNING 1
"""
PUBLISHED = "DELETE FROM intake_queue WHERE entry_id = ? RETURNING withdrawn"
DROP_WITHDRAWN = "DELETE FROM intake_queue WHERE entry_id = ? AND withdrawn = 1 RETURNING 1"
FAILED = """
UPDATE intake_queue SET claimed_by = NULL, available_at = ?, last_error = ?, failed_at = ?
WHERE entry_id = ? AND claimed_by = ? RETURNING attempts
"""
WITHDRAW_IDLE = "DELETE FROM intake_queue WHERE entry_id = ? AND (claimed_by IS NULL OR available_at <= ?) RETURNING 1"
WITHDRAW_CLAIMED = """
UPDATE intake_queue SET withdrawn = 1, payload = '{}' WHERE entry_id = ? AND withdrawn = 0 RETURNING 1
"""
LIST = """
SELECT entry_id, queued_at, available_at, claimed_by, attempts, last_error, failed_at
FROM intake_queue WHERE withdrawn = 0 ORDER BY queued_at, entry_id LIMIT ?
"""
STATS = """
SELECT
    COUNT(*),
    COALESCE(SUM(CASE WHEN claimed_by IS NOT NULL AND available_at > ? THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN last_error IS NOT NULL THEN 1 ELSE 0 END), 0),
    MIN(queued_at)
FROM intake_queue WHERE withdrawn = 0
"""
PURGE = "DELETE FROM intake_queue WHERE withdrawn = 1 AND available_at <= ?"


class Publication(enum.Enum):
    """What `mark_published` found."""

    DONE = "done"  # the entry left the queue
    WITHDRAWN = "withdrawn"  # its author withdrew it while it was being published: take the publication back
    GONE = "gone"  # it was no longer queued: another publisher, whose claim came after an expired lease, did it


@dataclass(frozen=True)
class Claimed:
    entry_id: str
    payload: dict[str, Any]
    queued_at: float
    attempts: int  # this claim included
    lease_until: float


@dataclass(frozen=True)
class Queued:
    """One line of `entraide queue`: never the payload."""

    entry_id: str
    queued_at: float
    attempts: int
    last_error: str | None
    failed_at: float | None
    publishing: bool  # a publisher holds it now
    available_at: float  # when a publisher may (again) take it


@dataclass(frozen=True)
class QueueStats:
    waiting: int  # every entry still queued, being published or not
    publishing: int
    failed: int  # entries whose last attempt failed (they are retried)
    oldest_queued_at: float | None

    def oldest_age(self, now: float) -> float:
        """Seconds the oldest entry has waited (0 when the queue is empty): /health shows it."""
        return max(0.0, now - self.oldest_queued_at) if self.oldest_queued_at is not None else 0.0


class IntakeQueue:
    def __init__(self, engine: Engine, tidy: Callable[[float], None]) -> None:
        self.engine = engine
        self.tidy = tidy
        self._claim = CLAIM.replace("{skip_locked}", engine.skip_locked)

    def enqueue(self, entry_id: str, payload: Mapping[str, Any], now: float) -> bool:
        """Queue an entry; False (and nothing changes) when that id is already queued."""
        require_opaque(entry_id, "an entry id")
        text = json.dumps(payload, separators=(",", ":"))  # ASCII: even a lone surrogate is stored, as an escape
        with self.engine.transaction() as transaction:
            added = transaction.row(ENQUEUE, (entry_id, text, now, now)) is not None
        self.tidy(now)
        return added

    def enqueue_once(
        self, entry_id: str, payload: Mapping[str, Any], idempotency_key: str, now: float, ttl: float
    ) -> bool:
        """Queue an entry unless its idempotency key was seen within `ttl` seconds, in one transaction: True only
        for the first form, even when the entry has since been published and has left the queue."""
        require_opaque(entry_id, "an entry id")
        require_opaque(idempotency_key, "an idempotency key")
        text = json.dumps(payload, separators=(",", ":"))
        with self.engine.transaction() as transaction:
            first = transaction.row(idempotency.CLAIM, (idempotency_key, entry_id, now + ttl, now)) is not None
            added = first and transaction.row(ENQUEUE, (entry_id, text, now, now)) is not None
        self.tidy(now)
        return added

    def payload(self, entry_id: str) -> dict[str, Any] | None:
        """What was queued for this entry, while it waits (None once published or withdrawn)."""
        with self.engine.transaction(write=False) as transaction:
            row = transaction.row(PAYLOAD, (entry_id,))
        return json.loads(row[0]) if row else None

    def claim(
        self, worker: str, now: float, lease_seconds: float, limit: int = 10, ids_like: str = "%"
    ) -> list[Claimed]:
        """Up to `limit` entries, oldest first, that no other publisher holds; they are this worker's for the lease.
        `ids_like`, an SQL LIKE pattern, keeps to some ids (one commune's: ids start with its slug)."""
        lease_until = now + lease_seconds
        with self.engine.transaction() as transaction:
            rows = transaction.rows(self._claim, (now, ids_like, limit, worker, lease_until))
        claimed = [Claimed(row[0], json.loads(row[1]), float(row[2]), row[3], lease_until) for row in rows]
        return sorted(claimed, key=lambda entry: (entry.queued_at, entry.entry_id))

    def annotate(self, claimed: list[Claimed], worker: str, **notes: str) -> list[Claimed]:
        """Add `notes` to the payloads of entries this worker holds, before it acts on them (a batch's name:
        a publisher killed half way finds it again); the entries as annotated, without those no longer held."""
        kept = []
        with self.engine.transaction() as transaction:
            for item in claimed:
                payload = {**item.payload, **notes}
                text = json.dumps(payload, separators=(",", ":"))
                if transaction.row(REPLACE_PAYLOAD, (text, item.entry_id, worker)) is not None:
                    kept.append(Claimed(item.entry_id, payload, item.queued_at, item.attempts, item.lease_until))
        return kept

    def mark_published(self, entry_id: str) -> Publication:
        """The entry's pull request or file exists: it leaves the queue."""
        with self.engine.transaction() as transaction:
            row = transaction.row(PUBLISHED, (entry_id,))
        if row is None:
            return Publication.GONE
        return Publication.WITHDRAWN if row[0] else Publication.DONE

    def mark_failed(self, entry_id: str, worker: str, reason: str, now: float, retry_after: float) -> int | None:
        """Publishing failed: keep the reason, offer the entry again after `retry_after` seconds.

        Returns the attempts so far (the caller decides when to stop and tell a human), or None when the
        entry is no longer this worker's (withdrawn meanwhile, its empty row then dropped; or claimed by
        another publisher after this worker's lease ran out, whose claim stands).
        """
        reason = " ".join(reason.split())[:REASON_LENGTH]
        with self.engine.transaction() as transaction:
            if transaction.row(DROP_WITHDRAWN, (entry_id,)):
                return None
            row = transaction.row(FAILED, (now + retry_after, reason, now, entry_id, worker))
        return row[0] if row else None

    def withdraw(self, entry_id: str, now: float) -> bool:
        """Take an entry out of the queue at its author's request; False when it is not queued.

        An entry a publisher holds right now is emptied (its payload, contact included, is gone at once) and
        marked, so that `mark_published` tells that publisher to take its publication back.
        """
        with self.engine.transaction() as transaction:
            if transaction.row(WITHDRAW_IDLE, (entry_id, now)):
                return True
            return transaction.row(WITHDRAW_CLAIMED, (entry_id,)) is not None

    def entries(self, now: float, limit: int = 1000) -> list[Queued]:
        """What waits, oldest first, with attempts and the last failure's reason: for `entraide queue`."""
        with self.engine.transaction(write=False) as transaction:
            rows = transaction.rows(LIST, (limit,))
        return [
            Queued(entry_id, queued_at, attempts, error, failed_at, bool(worker) and available > now, available)
            for entry_id, queued_at, available, worker, attempts, error, failed_at in rows
        ]

    def stats(self, now: float) -> QueueStats:
        with self.engine.transaction(write=False) as transaction:
            waiting, publishing, failed, oldest = transaction.row(STATS, (now,))
        return QueueStats(waiting, publishing, failed, oldest)
