"""Filing an entry: the one path from a resident's form to the intake queue, for the site's endpoint and for
`entraide new` alike.

    form fields → submission.build_submission (validate, seal the contact, geocode and blur, build the entry)
      → the queue in the store (durable, shared by every instance; once per entry id and per keyed
        idempotency key) → a receipt (the withdraw key, shown once) → the acknowledgement mail

Nothing here waits for the forge: `publisher.publish` hands queued entries to the moderators later, at the
forge's pace. A repeated form is recognised by every instance and never hands back its withdraw key: the
key goes again by mail to the address given, which is the address first given (the contact is part of the
idempotency key).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from entraide.entries import Entry
from entraide.rules import Flag
from entraide.submission import Geocoder, Submission, build_submission

if TYPE_CHECKING:
    from entraide.config import Config
    from entraide.schema import Problem
    from entraide.sealing import KeyPair
    from entraide.store import Store

log = logging.getLogger("entraide.intake")

IDEMPOTENCY_SECONDS = 7 * 86400  # a form re-sent within a week is the same entry (content keys also hold the day)
RESENT_SECONDS = 86400  # the key is mailed again at most once a day, whatever the number of repeats


@dataclass(frozen=True)
class Receipt:
    """What filing did: the entry, and whether this very form queued it (only then is its key shown)."""

    entry: Entry
    flags: tuple[Flag, ...]
    new: bool
    withdraw_key: str = field(repr=False)
    mailed: bool  # the key went (or went again) to the author's email address


@dataclass(frozen=True)
class QueuedEntry:
    """A queued entry as the publisher hands it on: the entry, its flags, its idempotency key."""

    entry: Entry
    flags: tuple[Flag, ...]
    idempotency_key: str

    def payload(self) -> dict[str, Any]:
        flags = [[flag.code, flag.label, flag.key, flag.excerpt] for flag in self.flags]
        return {"entry": self.entry.to_data(), "flags": flags, "idempotency_key": self.idempotency_key}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> QueuedEntry:
        flags = tuple(Flag(*flag) for flag in payload.get("flags", []))
        return cls(Entry.from_data(payload["entry"]), flags, payload["idempotency_key"])


class Intake:
    """The intake service: one per process, given everything it uses (no globals)."""

    def __init__(
        self,
        config: Config,
        keys: KeyPair,
        store: Store,
        *,
        secret: bytes,
        geocode: Geocoder | None = None,
        timezone: dt.tzinfo = dt.UTC,
        clock: Callable[[], float] = time.time,
        send_mail: Callable[..., str] | None = None,
    ) -> None:
        self.config = config
        self.keys = keys
        self.store = store
        self.secret = secret
        self.geocode = geocode
        self.timezone = timezone
        self.clock = clock
        self.send_mail = send_mail

    def check(self, form: Mapping[str, Any]) -> Submission | list[Problem]:
        """The entry this form would file, or every problem, in French: nothing is queued or sent."""
        now = dt.datetime.fromtimestamp(self.clock(), self.timezone)
        return build_submission(
            form,
            keys=self.keys,
            now=now,
            expiry_days=self.config.expiry_days,
            secret=self.secret,
            geocode=self.geocode,
        )

    def file(self, form: Mapping[str, Any], extra_flags: tuple[Flag, ...] = ()) -> Receipt | list[Problem]:
        """Validate, queue and acknowledge; a list of problems when the form cannot be filed (nothing written)."""
        result = self.check(form)
        if isinstance(result, list):
            return result
        return self.file_checked(result, extra_flags)

    def file_checked(self, result: Submission, extra_flags: tuple[Flag, ...] = ()) -> Receipt:
        """Queue an entry already built by `check` (a preview confirmed) and acknowledge it."""
        flags = (*result.flags, *extra_flags)
        new = self._queue(QueuedEntry(result.entry, flags, result.idempotency_key))
        mailed = self._acknowledge(result, new)
        return Receipt(result.entry, flags, new, result.withdraw_key, mailed)

    def find_queued(self, entry_id: str) -> Entry | None:
        """An entry still waiting in the queue (its author may withdraw it there)."""
        payload = self.store.queue.payload(entry_id)
        return QueuedEntry.from_payload(payload).entry if payload else None

    def withdraw_queued(self, entry_id: str) -> bool:
        """Take a queued entry out before any moderator sees it; False when it is no longer queued."""
        return self.store.queue.withdraw(entry_id, self.clock())

    def _queue(self, queued: QueuedEntry) -> bool:
        """Queue the entry; False for a repeat (still queued, or published since): key and row in one transaction."""
        entry_id = queued.entry.id
        new = self.store.queue.enqueue_once(
            entry_id, queued.payload(), queued.idempotency_key, self.clock(), IDEMPOTENCY_SECONDS
        )
        if new:
            log.info("entry %s queued", entry_id)
        return new

    def _acknowledge(self, result: Submission, new: bool) -> bool:
        """Mail the withdraw key: once for a new entry, again for a repeat at most once a day. Never fails."""
        from entraide.mail import MailUnavailable
        from entraide.messages import confirmation_mail

        email = result.contact.email
        if not email or self.send_mail is None:
            return False
        if not new and self.store.idempotency.remember(
            "again:" + result.idempotency_key, "1", self.clock(), RESENT_SECONDS
        ):
            return True  # already mailed again today
        mail = confirmation_mail(result.entry, result.withdraw_key, self.config.site_url, again=not new)
        try:
            self.send_mail(email, *mail)
        except MailUnavailable:
            log.warning("entry %s filed, but its acknowledgement mail failed", result.entry.id)
            return False
        return True
