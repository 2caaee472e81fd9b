"""Follow-ups sent, and the time of each entry's first relayed message: entry ids and times, nothing else.

`FollowUps.claim` is taken before the mail is sent: a crash between the two loses that one mail, but nobody is
ever asked twice, by any process (the choice the issue makes: "never twice").
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

from entraide.store.engine import Engine
from entraide.store.opaque import require_opaque

KEPT_SECONDS = 400 * 86400  # a year of statistics and some: entries themselves live a month or two
CLAIM = "INSERT INTO followups (entry_id, sent_at) VALUES (?, ?) ON CONFLICT (entry_id) DO NOTHING RETURNING 1"
SENT = "SELECT 1 FROM followups WHERE entry_id = ?"
FIRST = """
INSERT INTO first_messages (entry_id, published_at, first_at) VALUES (?, ?, ?)
ON CONFLICT (entry_id) DO NOTHING RETURNING 1
"""
DELAYS = "SELECT first_at - published_at FROM first_messages WHERE first_at >= ?"
PURGE = ("DELETE FROM followups WHERE sent_at <= ?", "DELETE FROM first_messages WHERE first_at <= ?")


class FollowUps:
    def __init__(self, engine: Engine, tidy: Callable[[float], None]) -> None:
        self.engine = engine
        self.tidy = tidy

    def claim(self, entry_id: str, now: float) -> bool:
        """True for the one caller that may send this entry's follow-up; False ever after."""
        require_opaque(entry_id, "an entry id")
        with self.engine.transaction() as transaction:
            first = transaction.row(CLAIM, (entry_id, now)) is not None
        self.tidy(now)
        return first

    def sent(self, entry_id: str) -> bool:
        require_opaque(entry_id, "an entry id")
        with self.engine.transaction(write=False) as transaction:
            return transaction.row(SENT, (entry_id,)) is not None


class FirstMessages:
    def __init__(self, engine: Engine, tidy: Callable[[float], None]) -> None:
        self.engine = engine
        self.tidy = tidy

    def record(self, entry_id: str, published_at: float, now: float) -> bool:
        """Note the first message relayed for this entry (later ones change nothing); True if it was the first."""
        require_opaque(entry_id, "an entry id")
        with self.engine.transaction() as transaction:
            first = transaction.row(FIRST, (entry_id, published_at, now)) is not None
        self.tidy(now)
        return first

    def median_delay(self, since: float = 0.0) -> tuple[float | None, int]:
        """The median seconds from publication to the first message, over entries first written to since `since`,
        and how many entries that is (None when none)."""
        with self.engine.transaction(write=False) as transaction:
            delays = [max(0.0, row[0]) for row in transaction.rows(DELAYS, (since,))]
        return (statistics.median(delays) if delays else None), len(delays)
