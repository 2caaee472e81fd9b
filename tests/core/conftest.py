"""Fixtures of the core's tests that only they use (the shared ones are the harness's: tests/harness/)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from tests.harness.network import LOOPBACK

from .address_api import FakeAddressAPI


@pytest.fixture(scope="session")
def address_api() -> Iterator[str]:
    """The fake's /search/ address, knowing three places."""
    FakeAddressAPI.places = {
        "12 rue de la république grenoble": (5.72874, 45.19106),
        "8 chemin des sources meylan": (5.7866, 45.2148),
        "1 place bellecour lyon": (4.8320, 45.7578),
    }
    server = ThreadingHTTPServer((LOOPBACK, 0), FakeAddressAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{LOOPBACK}:{server.server_address[1]}/search/"
    server.shutdown()
    server.server_close()
