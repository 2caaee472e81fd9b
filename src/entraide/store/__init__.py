"""The store: what the endpoint must remember across requests, processes and instances.

SQLite in a file by default (nothing to configure), PostgreSQL when ENTRAIDE_DATABASE_URL says so. Open one
`Store` per process with `open_store(url)`, check it with `check_schema(store)` at start-up, then use its
parts, one per concept and module:

    store.limits.hit(bucket, limit, window_seconds, now)      rate limits (limits.py)
    store.idempotency.remember(key, value, now, ttl)          idempotency keys (idempotency.py)
    store.tokens.use_once(token_id, expires_at)               single-use tokens (tokens.py)
    store.queue.enqueue / claim / mark_published / …          the intake queue (queue.py)
    store.leases.acquire(name, holder, now, seconds)          one publisher across instances (leases.py)
    store.forge_writes.reserve(count, now)                    the forge's global throttle (forge_writes.py)
    store.followups.claim(entry_id, now)                      follow-up mails, never twice (followups.py)
    store.first_messages.record(entry_id, published_at, now)  when each entry got its first message (followups.py)
    store.subscriptions.ask / confirm / change / cancel       alert subscriptions (subscriptions.py)
    store.deliveries.see / match / start_mail / …             what the alerts' sender did (deliveries.py)

Every operation is one transaction, atomic across processes; every time is Unix seconds passed by the
caller. Nothing stored is a contact, an address or an IP in clear (opaque.py). Expired rows are purged by
the store itself, at most every PURGE_INTERVAL_SECONDS per process, and by `purge_expired`.
"""

from __future__ import annotations

import logging

from entraide.store import (
    deliveries,
    followups,
    forge_writes,
    idempotency,
    leases,
    limits,
    queue,
    subscriptions,
    tokens,
)
from entraide.store.deliveries import AlertDeliveries, SeenEntry
from entraide.store.engine import (
    DATABASE_URL_VARIABLE,
    DEFAULT_DATABASE_URL,
    BadDatabaseURL,
    Engine,
    StoreError,
    StoreUnavailable,
    make_engine,
    redact,
)
from entraide.store.followups import FirstMessages, FollowUps
from entraide.store.forge_writes import ForgeWrites
from entraide.store.idempotency import IdempotencyKeys
from entraide.store.leases import Leases, new_holder
from entraide.store.limits import RateLimits
from entraide.store.migrations import SchemaOutdated, check_schema, schema_version, upgrade
from entraide.store.opaque import bucket_key
from entraide.store.queue import Claimed, IntakeQueue, Publication, Queued, QueueStats
from entraide.store.subscriptions import Choices, Subscription, Subscriptions
from entraide.store.tokens import UsedTokens

__all__ = [
    "DATABASE_URL_VARIABLE",
    "DEFAULT_DATABASE_URL",
    "BadDatabaseURL",
    "Choices",
    "Claimed",
    "Publication",
    "QueueStats",
    "Queued",
    "SchemaOutdated",
    "SeenEntry",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Subscription",
    "bucket_key",
    "check_schema",
    "new_holder",
    "open_store",
    "redact",
    "schema_version",
    "upgrade",
]

PURGE_INTERVAL_SECONDS = 300.0

log = logging.getLogger("entraide.store")


class Store:
    """One per process: the engine and the store's parts. Threads may share it (a connection each)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.limits = RateLimits(engine, self.tidy)
        self.idempotency = IdempotencyKeys(engine, self.tidy)
        self.tokens = UsedTokens(engine)
        self.queue = IntakeQueue(engine, self.tidy)
        self.leases = Leases(engine)
        self.forge_writes = ForgeWrites(engine, self.tidy)
        self.followups = FollowUps(engine, self.tidy)
        self.first_messages = FirstMessages(engine, self.tidy)
        self.subscriptions = Subscriptions(engine, self.tidy)
        self.deliveries = AlertDeliveries(engine, self.tidy)
        self._next_purge = 0.0

    @property
    def dialect(self) -> str:
        return self.engine.dialect

    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers (for /health)."""
        with self.engine.transaction(write=False) as transaction:
            transaction.row("SELECT 1")

    def purge_expired(self, now: float) -> int:
        """Delete every row whose time is over; returns how many went."""
        statements = [
            (limits.PURGE, now),
            (idempotency.PURGE, now),
            (tokens.PURGE, now),
            (queue.PURGE, now),
            (leases.PURGE, now),
            *((sql, now - forge_writes.KEPT_SECONDS) for sql in forge_writes.PURGE),
            *((sql, now - followups.KEPT_SECONDS) for sql in followups.PURGE),
            *((sql, now) for sql in subscriptions.PURGE),
            *((sql, now - deliveries.KEPT_SECONDS) for sql in deliveries.PURGE),
            (deliveries.PURGE_ORPHANS, now),
        ]
        with self.engine.transaction() as transaction:
            return sum(transaction.execute(sql, (moment,)).rowcount for sql, moment in statements)

    def tidy(self, now: float) -> None:
        """Purge now and then: at most once every PURGE_INTERVAL_SECONDS in this process.

        Called after an operation has committed: a busy database must not turn its success into an error,
        so the purge then waits for a later call.
        """
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_INTERVAL_SECONDS
        try:
            self.purge_expired(now)
        except StoreUnavailable as busy:
            self._next_purge = now
            log.warning("expired rows not purged this time: %s", busy)

    def close(self) -> None:
        self.engine.close()


def open_store(url: str = DEFAULT_DATABASE_URL) -> Store:
    """The store a database URL names; BadDatabaseURL (naming ENTRAIDE_DATABASE_URL) when it cannot be used.

    Nothing connects yet: the first operation does (so a cold Lambda pays the connection on first use).
    """
    return Store(make_engine(url))
