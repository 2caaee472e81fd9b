"""Rate limits per client and for everyone, counted in the store: the same for every instance together.

A client is an IPv4 address or an IPv6 /64 network; what reaches the store is a keyed hash of it
(`bucket_key`), never the address. Windows slide over a minute (store/limits.py).
"""

from __future__ import annotations

import ipaddress
import math
from typing import TYPE_CHECKING

from entraide.store import bucket_key

if TYPE_CHECKING:
    from entraide.store import Store

IPV6_CLIENT_PREFIX = 64  # one subscriber's line gets a whole /64: its 2**64 addresses are one client
WINDOW_SECONDS = 60.0


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


class RateLimits:
    """`per_client` POST requests a minute for each client and `overall` for all of them; 0 means no limit."""

    def __init__(self, store: Store, secret: bytes, per_client: int, overall: int) -> None:
        self.store = store
        self.secret = secret
        self.per_client = per_client
        self.overall = overall

    def wait(self, ip: str, now: float) -> int:
        """Seconds the client must wait (0: go ahead), rounded up for the Retry-After header."""
        return self.wait_for("post", client_of(ip), self.per_client, now) or math.ceil(
            self.store.limits.hit("post-all", self.overall, WINDOW_SECONDS, now)
        )

    def wait_for(self, purpose: str, who: str, limit: int, now: float, window: float = WINDOW_SECONDS) -> int:
        """Seconds before `who` may do `purpose` again (0: counted, go ahead); `who` is hashed before the store."""
        if limit <= 0:
            return 0
        return math.ceil(self.store.limits.hit(bucket_key(purpose, self.secret, who), limit, window, now))
