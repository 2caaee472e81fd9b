"""Alert subscriptions: asked for (pending until confirmed, one per address at a time), confirmed, changed, ended.

The caller hands in the address sealed and its keyed hash (the hash finds an address's rows, the sealed box
lets the sender alone write to it): nothing here ever holds an address in clear, and `address_hash` must be
hex, so an address cannot slip in by mistake. A subscription is named by a random id, which the signed links
of the mails carry instead of the address.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from entraide.store.engine import Engine, Transaction
from entraide.store.opaque import require_opaque

ALL = "*"  # a list that means every commune, category or kind
SEALED = "sealed:"
HASH = re.compile(r"[0-9a-f]{16,128}")

DROP_EXPIRED_PENDING = "DELETE FROM alert_pending WHERE address_hash = ? AND expires_at <= ?"
ASK = """
INSERT INTO alert_pending
    (pending_id, address_hash, address_sealed, communes, categories, kinds, frequency, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (address_hash) DO NOTHING RETURNING 1
"""
PENDING_UNTIL = "SELECT expires_at FROM alert_pending WHERE address_hash = ? AND expires_at > ?"
TAKE_PENDING = """
DELETE FROM alert_pending WHERE pending_id = ? AND expires_at > ?
RETURNING address_hash, address_sealed, communes, categories, kinds, frequency
"""
CONFIRM = """
INSERT INTO alert_subscriptions
    (subscription_id, address_hash, address_sealed, communes, categories, kinds, frequency, confirmed_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (address_hash) DO UPDATE SET
    address_sealed = excluded.address_sealed, communes = excluded.communes, categories = excluded.categories,
    kinds = excluded.kinds, frequency = excluded.frequency, expires_at = excluded.expires_at
RETURNING subscription_id, confirmed_at
"""
GET = """
SELECT subscription_id, address_sealed, communes, categories, kinds, frequency, confirmed_at, expires_at, last_mail_at
FROM alert_subscriptions WHERE subscription_id = ? AND expires_at > ?
"""
ACTIVE = """
SELECT subscription_id, address_sealed, communes, categories, kinds, frequency, confirmed_at, expires_at, last_mail_at
FROM alert_subscriptions WHERE expires_at > ? ORDER BY subscription_id
"""
UPDATE = """
UPDATE alert_subscriptions SET communes = ?, categories = ?, kinds = ?, frequency = ?, expires_at = ?
WHERE subscription_id = ? AND expires_at > ? RETURNING 1
"""
DROP_PENDING = "DELETE FROM alert_pending WHERE pending_id = ?"
CANCEL = "DELETE FROM alert_subscriptions WHERE subscription_id = ? RETURNING 1"
CANCEL_DELIVERIES = "DELETE FROM alert_deliveries WHERE subscription_id = ?"
PURGE = (
    "DELETE FROM alert_pending WHERE expires_at <= ?",
    "DELETE FROM alert_subscriptions WHERE expires_at <= ?",
)


@dataclass(frozen=True)
class Choices:
    """What a subscriber wants to hear about; an empty tuple means all of them."""

    communes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    frequency: str = "daily"  # "hourly" or "daily"

    def columns(self) -> tuple[str, str, str, str]:
        return (_join(self.communes), _join(self.categories), _join(self.kinds), self.frequency)

    @classmethod
    def from_columns(cls, communes: str, categories: str, kinds: str, frequency: str) -> Choices:
        return cls(_split(communes), _split(categories), _split(kinds), frequency)

    def wants(self, commune: str, category: str, kind: str) -> bool:
        return (
            (not self.communes or commune in self.communes)
            and (not self.categories or category in self.categories)
            and (not self.kinds or kind in self.kinds)
        )


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    address_sealed: str
    choices: Choices
    confirmed_at: float
    expires_at: float
    last_mail_at: float | None

    @classmethod
    def from_row(cls, row: tuple) -> Subscription:
        subscription_id, sealed, communes, categories, kinds, frequency, confirmed, expires, last = row
        choices = Choices.from_columns(communes, categories, kinds, frequency)
        return cls(subscription_id, sealed, choices, float(confirmed), float(expires), last)


class Subscriptions:
    def __init__(self, engine: Engine, tidy: Callable[[float], None]) -> None:
        self.engine = engine
        self.tidy = tidy

    def ask(self, address_hash: str, address_sealed: str, choices: Choices, now: float, ttl: float) -> str | None:
        """Keep a subscription to confirm within `ttl` seconds; its pending id, or None (and nothing changes)
        while another one for this address is waiting."""
        _require_hash(address_hash)
        if not address_sealed.startswith(SEALED):
            raise ValueError("an address is stored sealed (sealed:v2:…), never in clear")
        pending_id = secrets.token_urlsafe(16)
        with self.engine.transaction() as transaction:
            transaction.execute(DROP_EXPIRED_PENDING, (address_hash, now))
            row = (pending_id, address_hash, address_sealed, *choices.columns(), now, now + ttl)
            added = transaction.row(ASK, row) is not None
        self.tidy(now)
        return pending_id if added else None

    def pending_until(self, address_hash: str, now: float) -> float | None:
        """When the confirmation this address waits for expires (None when it waits for none)."""
        with self.engine.transaction(write=False) as transaction:
            row = transaction.row(PENDING_UNTIL, (_require_hash(address_hash), now))
        return float(row[0]) if row else None

    def drop_pending(self, pending_id: str) -> None:
        """Forget a pending subscription (its confirmation mail could not leave)."""
        with self.engine.transaction() as transaction:
            transaction.execute(DROP_PENDING, (pending_id,))

    def confirm(self, pending_id: str, now: float, duration: float) -> Subscription | None:
        """The pending subscription becomes the address's subscription (its choices replace any earlier ones)
        for `duration` seconds; None when it is unknown, already confirmed or expired."""
        require_opaque(pending_id, "a pending subscription id")
        with self.engine.transaction() as transaction:
            row = transaction.row(TAKE_PENDING, (pending_id, now))
            if row is None:
                return None
            address_hash, sealed, *columns = row
            new_id = secrets.token_urlsafe(16)
            subscription_id, confirmed_at = transaction.row(
                CONFIRM, (new_id, address_hash, sealed, *columns, now, now + duration)
            )
        choices = Choices.from_columns(*columns)
        return Subscription(subscription_id, sealed, choices, float(confirmed_at), now + duration, None)

    def get(self, subscription_id: str, now: float) -> Subscription | None:
        """The subscription while it runs (None once ended or unknown)."""
        require_opaque(subscription_id, "a subscription id")
        with self.engine.transaction(write=False) as transaction:
            row = transaction.row(GET, (subscription_id, now))
        return Subscription.from_row(row) if row else None

    def change(self, subscription_id: str, choices: Choices, now: float, duration: float) -> bool:
        """New choices, and the subscription runs `duration` seconds from now; False when it has ended."""
        require_opaque(subscription_id, "a subscription id")
        with self.engine.transaction() as transaction:
            row = (*choices.columns(), now + duration, subscription_id, now)
            return transaction.row(UPDATE, row) is not None

    def cancel(self, subscription_id: str) -> bool:
        """End a subscription now, with everything still to be sent to it; False when there was none."""
        require_opaque(subscription_id, "a subscription id")
        with self.engine.transaction() as transaction:
            return _cancel(transaction, subscription_id)

    def active(self, now: float) -> list[Subscription]:
        """Every subscription still running, for the sender."""
        with self.engine.transaction(write=False) as transaction:
            return [Subscription.from_row(row) for row in transaction.rows(ACTIVE, (now,))]


def _cancel(transaction: Transaction, subscription_id: str) -> bool:
    transaction.execute(CANCEL_DELIVERIES, (subscription_id,))
    return transaction.row(CANCEL, (subscription_id,)) is not None


def _join(values: tuple[str, ...]) -> str:
    return ",".join(values) if values else ALL


def _split(text: str) -> tuple[str, ...]:
    return () if text == ALL else tuple(text.split(","))


def _require_hash(value: str) -> str:
    if not HASH.fullmatch(value):
        raise ValueError("an address is stored as a keyed hash in hex, never in clear")
    return value
