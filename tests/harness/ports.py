"""Free ports on 127.0.0.1, for the servers the tests start and must be told a port in advance."""

from __future__ import annotations

import socket

from .network import LOOPBACK


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now (the system picks it); nothing listens on it after either."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]
