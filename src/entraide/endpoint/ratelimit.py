"""Per-IP and global rate limits: token buckets held in this process's memory.

Each process counts alone: behind several instances (or several warm Lambda containers) the effective
limit is multiplied by their number; a shared store (Redis, DynamoDB) would be needed for a strict limit.
"""

from __future__ import annotations

import ipaddress
import math
import threading
from dataclasses import dataclass

MAX_TRACKED_CLIENTS = 100_000
IPV6_CLIENT_PREFIX = 64  # one subscriber's line gets a whole /64: its 2**64 addresses are one client


def client_of(ip: str) -> str:
    """What one client is for the limits: its IPv4 address, or the /64 network of an IPv6 address."""
    try:
        address = ipaddress.ip_address(ip.strip().split("%")[0])
    except ValueError:
        return ip  # not an address (a test client, a unix socket): counted as given
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(address)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """`per_minute` requests a minute for each key, bursts up to the same number; 0 means no limit."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float) -> float:
        """0 when the request may go; else the seconds to wait before the next one may."""
        if not self.per_minute:
            return 0.0
        rate = self.per_minute / 60.0
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                self._forget_full_buckets(now)
                bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / rate

    def _forget_full_buckets(self, now: float) -> None:
        """Keep memory bounded: a bucket refilled to the top holds no information."""
        if len(self._buckets) < MAX_TRACKED_CLIENTS:
            return
        rate = self.per_minute / 60.0
        for key in [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * rate >= self.per_minute]:
            del self._buckets[key]


class RateLimits:
    def __init__(self, per_ip: int, overall: int) -> None:
        self.per_ip = TokenBuckets(per_ip)
        self.overall = TokenBuckets(overall)

    def wait(self, ip: str, now: float) -> int:
        """Seconds the client must wait (0: go ahead), rounded up for the Retry-After header."""
        wait = self.per_ip.take(client_of(ip), now) or self.overall.take("*", now)
        return math.ceil(wait)
