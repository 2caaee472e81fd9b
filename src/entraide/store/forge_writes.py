"""The forge's writes as every instance sees them, so that one throttle holds for all of them together.

GitHub's secondary limits count per token, not per process: at most 80 content-creating requests a minute
and 500 an hour, a second between writes is advised, and when GitHub answers "retry after" everyone must
wait. `reserve` checks every window and records the writes in one transaction, serialised across
processes, so four instances with room for one more write do not all take it. Rows older than the longest
window are purged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from entraide.store.engine import Engine, Transaction

GITHUB_WINDOWS: tuple[tuple[int, float], ...] = ((80, 60.0), (500, 3600.0))  # (writes, seconds)
SPACING_SECONDS = 1.0
KEPT_SECONDS = 2 * 3600.0  # writes_since may look back this far

RECORD = "INSERT INTO forge_writes (written_at) VALUES (?)"
SINCE = "SELECT COUNT(*) FROM forge_writes WHERE written_at > ?"
LAST = "SELECT MAX(written_at) FROM forge_writes"
RECENT = "SELECT written_at FROM forge_writes WHERE written_at > ? ORDER BY written_at"
HOLD = "INSERT INTO forge_holds (held_until) VALUES (?)"
HELD = "SELECT MAX(held_until) FROM forge_holds"
PURGE = ("DELETE FROM forge_writes WHERE written_at <= ?", "DELETE FROM forge_holds WHERE held_until <= ?")


class ForgeWrites:
    def __init__(self, engine: Engine, tidy: Callable[[float], None]) -> None:
        self.engine = engine
        self.tidy = tidy

    def record_write(self, now: float, count: int = 1) -> None:
        """Count writes already sent (reserve is the way to ask first)."""
        with self.engine.transaction() as transaction:
            for _ in range(count):
                transaction.execute(RECORD, (now,))

    def writes_since(self, since: float) -> int:
        """Writes recorded after `since` (at most KEPT_SECONDS ago), by every instance."""
        with self.engine.transaction(write=False) as transaction:
            return transaction.row(SINCE, (since,))[0]

    def last_write_at(self) -> float | None:
        """When the latest write was recorded, by any instance (None: none within KEPT_SECONDS)."""
        with self.engine.transaction(write=False) as transaction:
            return transaction.row(LAST)[0]

    def wait_for(
        self,
        count: int,
        now: float,
        windows: Sequence[tuple[int, float]] = GITHUB_WINDOWS,
        spacing: float = SPACING_SECONDS,
    ) -> float:
        """What `reserve` would answer, recording nothing: to ask before taking work the forge cannot take yet."""
        with self.engine.transaction(write=False) as transaction:
            return max(_wait(transaction, count, now, windows, spacing), 0.0)

    def hold(self, until: float) -> None:
        """GitHub said to wait: no instance reserves a write before `until`."""
        with self.engine.transaction() as transaction:
            transaction.execute(HOLD, (until,))

    def reserve(
        self,
        count: int,
        now: float,
        windows: Sequence[tuple[int, float]] = GITHUB_WINDOWS,
        spacing: float = SPACING_SECONDS,
    ) -> float:
        """Record `count` writes at `now` and return 0 when they fit every window; else record nothing and
        return the seconds to wait (math.inf when `count` exceeds a window's limit)."""
        with self.engine.transaction() as transaction:
            transaction.lock_table("forge_writes")
            wait = _wait(transaction, count, now, windows, spacing)
            if wait <= 0:
                for _ in range(count):
                    transaction.execute(RECORD, (now,))
        self.tidy(now)
        return max(wait, 0.0)


def _wait(
    transaction: Transaction, count: int, now: float, windows: Sequence[tuple[int, float]], spacing: float
) -> float:
    """Seconds before `count` more writes fit every window, GitHub's hold and the spacing (0 or less: now)."""
    longest = max(period for _, period in windows)
    held = transaction.row(HELD)[0]
    recent = [row[0] for row in transaction.rows(RECENT, (now - longest,))]
    wait = max(held - now if held is not None else 0.0, *(_room_after(recent, count, w, now) for w in windows))
    if recent and spacing:
        wait = max(wait, recent[-1] + spacing - now)
    return wait


def _room_after(times: list[float], count: int, window: tuple[int, float], now: float) -> float:
    """Seconds until `count` more writes fit under `limit` writes per `period` (times sorted, oldest first)."""
    limit, period = window
    inside = [t for t in times if t > now - period]
    excess = len(inside) + count - limit
    if excess <= 0:
        return 0.0
    if excess > len(inside):
        return math.inf
    return inside[excess - 1] + period - now
