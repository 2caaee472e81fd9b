"""No network but loopback: the one guard, for the test process's sockets and for every browser page.

Every test runs with the test process's sockets guarded (`loopback_only`, automatic): connecting to an address
outside the machine, or resolving a name (a DNS query leaves the machine), is refused at once and fails the
test, even when the code under test catches the error and carries on. Pages in Chromium get `guard_browser`:
every request leaving 127.0.0.1 is aborted and recorded, so a test can say what tried to leave (map tiles).
Processes the tests start (the endpoint, Pelican, make) are given loopback addresses only; they are not patched.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

LOOPBACK = "127.0.0.1"
LOCAL_NAMES = {"localhost", ""}

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo
_attempts: list[str] = []  # what the test process tried to reach outside the machine, since the last test ended


def is_loopback(url: str) -> bool:
    """Whether a browser request for `url` stays on the machine (the sites, the endpoint and the SMTP server)."""
    return urlsplit(url).hostname == LOOPBACK


def guard_browser(context: Any, blocked: list[str]) -> None:
    """Abort every request of a Playwright browser context that leaves 127.0.0.1, recording its URL in `blocked`."""

    def guard(route: Any) -> None:
        if is_loopback(route.request.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)


def _address(host: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address `host` writes out, or None for a name."""
    try:
        return ipaddress.ip_address(str(host.decode() if isinstance(host, bytes) else host).split("%")[0])
    except ValueError:
        return None


def _is_local_name(host: Any) -> bool:
    return host is None or str(host.decode() if isinstance(host, bytes) else host) in LOCAL_NAMES


def _resolving_leaves(host: Any) -> bool:
    """Resolving a name asks a DNS server, unless it is this machine's; an address written out asks no one."""
    return not _is_local_name(host) and _address(host) is None


def _connecting_leaves(host: Any) -> bool:
    address = _address(host)
    if address is None:
        return not _is_local_name(host)  # connect() resolves a name itself
    return not (address.is_loopback or address.is_unspecified)


def _refuse(what: str) -> None:
    _attempts.append(what)
    raise ConnectionRefusedError(f"tests talk to 127.0.0.1 only; refused: {what}")


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if _resolving_leaves(host):
        _refuse(f"resolving {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def _outside(sock: socket.socket, address: Any) -> bool:
    return sock.family in (socket.AF_INET, socket.AF_INET6) and _connecting_leaves(address[0])


def _connect(self: socket.socket, address: Any) -> None:
    if _outside(self, address):
        _refuse(f"connecting to {address!r}")
    return _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if _outside(self, address):
        _refuse(f"connecting to {address!r}")
    return _real_connect_ex(self, address)


def pytest_configure(config: pytest.Config) -> None:
    socket.getaddrinfo = _getaddrinfo
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex


def pytest_unconfigure(config: pytest.Config) -> None:
    socket.getaddrinfo = _real_getaddrinfo
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex


@pytest.fixture(autouse=True)
def loopback_only() -> Iterator[None]:
    """Fails the test that tried to reach outside the machine, even if the code it ran caught the refusal (what
    session fixtures tried while starting is blamed on the first test that used them)."""
    yield
    tried, _attempts[:] = list(_attempts), []
    if tried:
        pytest.fail("the test tried to leave 127.0.0.1: " + "; ".join(tried), pytrace=False)
