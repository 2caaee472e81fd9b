"""The map in a real browser: a site built from generated entries plus a hostile one, served on 127.0.0.1
with a strict Content-Security-Policy, and Debian's Chromium with every request leaving 127.0.0.1 aborted
(so map tiles are always blocked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from entraide.entries import write_entry
from entraide.samples import generate
from tests.harness.chromium import Watch, open_page
from tests.harness.site import SiteServer, build_site

from .entries import TODAY, hostile_entry

VIEWPORT = {"width": 1000, "height": 900}


# The strict policy a deployment can send (docs/map.md): any inline script or style on the page, or a
# request the policy does not allow, shows up as a console error the tests catch.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; "
    "connect-src 'self'; base-uri 'none'; form-action 'self' http://127.0.0.1:8001; frame-ancestors 'none'"
)


@pytest.fixture(scope="session")
def map_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    """400 generated entries and a hostile one, built as `make html` does, served with the strict policy."""
    tmp = tmp_path_factory.mktemp("map-site")
    submissions = tmp / "submissions"
    for entry in generate(400, seed=5, start=TODAY - dt.timedelta(days=15), lifetime_days=365):
        write_entry(submissions, entry)
    write_entry(submissions, hostile_entry())
    output = tmp / "output"
    result = build_site(submissions, output, build_date=TODAY, cache=tmp / "cache", quiet=True)
    if result.returncode or not (output / "carte" / "index.html").exists():
        pytest.fail(f"the site build failed:\n{result.stdout}\n{result.stderr}")
    server = SiteServer(output, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})
    yield server
    server.close()


@pytest.fixture
def page(browser: Any, watch: Watch) -> Iterator[Any]:
    """The harness's page (tests/harness/chromium.py), in a window the size these tests were written for."""
    with open_page(browser, watch, viewport=VIEWPORT) as (opened, _):
        yield opened
