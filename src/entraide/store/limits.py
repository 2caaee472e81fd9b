"""Rate limits shared by every process: at most `limit` hits per `window_seconds` for a bucket, in total.

A sliding window counter: each bucket keeps the hits of its current fixed window and of the previous one,
and a hit is allowed while `previous × (share of the previous window still covered) + current + 1 ≤ limit`.
It costs one row per bucket, never lets a client double its rate at a window boundary (as plain fixed
windows do), and the upsert that counts is one statement, atomic on both engines. A refused hit is not
counted: a client that keeps knocking while limited is let in again once its rate falls under the limit.
"""

from __future__ import annotations

from collections.abc import Callable

from entraide.store.engine import Engine
from entraide.store.opaque import require_bucket

COUNT = """
INSERT INTO rate_limits (bucket, window_index, hits, previous_hits, expires_at) VALUES (?, ?, 1, 0, ?)
ON CONFLICT (bucket) DO UPDATE SET
    previous_hits = CASE
        WHEN rate_limits.window_index = excluded.window_index THEN rate_limits.previous_hits
        WHEN rate_limits.window_index = excluded.window_index - 1 THEN rate_limits.hits
        ELSE 0 END,
    hits = CASE WHEN rate_limits.window_index = excluded.window_index THEN rate_limits.hits + 1 ELSE 1 END,
    window_index = excluded.window_index,
    expires_at = excluded.expires_at
RETURNING hits, previous_hits
"""
UNCOUNT = "UPDATE rate_limits SET hits = hits - 1 WHERE bucket = ?"
PURGE = "DELETE FROM rate_limits WHERE expires_at <= ?"
ROUNDING = 1e-9  # shares of a window are floats: 10 × (1 - 0.9) must not come out above 1


class RateLimits:
    def __init__(self, engine: Engine, tidy: Callable[[float], None]) -> None:
        self.engine = engine
        self.tidy = tidy

    def hit(self, bucket_key: str, limit: int, window_seconds: float, now: float) -> float:
        """0 when this hit is allowed (and counted); else the seconds until one would be. limit 0: no limit."""
        if limit <= 0:
            return 0.0
        if window_seconds <= 0:
            raise ValueError("window_seconds must be more than 0")
        require_bucket(bucket_key)
        index = int(now // window_seconds)
        expires_at = (index + 2) * window_seconds  # after that, neither window it holds counts any more
        with self.engine.transaction() as transaction:
            hits, previous = transaction.row(COUNT, (bucket_key, index, expires_at))
            elapsed = now / window_seconds - index  # share of the current window gone by, 0 to 1
            if previous * (1 - elapsed) + hits <= limit + ROUNDING:
                wait = 0.0
            else:
                transaction.execute(UNCOUNT, (bucket_key,))
                wait = _wait(hits - 1, previous, limit, elapsed) * window_seconds
        self.tidy(now)
        return wait


def _wait(current: int, previous: int, limit: int, elapsed: float) -> float:
    """Windows until one more hit fits, given the hits counted before it (current and previous windows)."""
    if current + 1 <= limit:  # the previous window's share must shrink: previous × (1 - t) ≤ limit - current - 1
        return max(1 - (limit - current - 1) / previous - elapsed, 0.0) or 1e-6
    # The current window is full: in the next one, current × (1 - t) + 1 ≤ limit.
    return 1 - elapsed + max(1 - (limit - 1) / current, 0.0)
