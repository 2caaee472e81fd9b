"""The map in a real browser: a site built from generated entries plus a hostile one, served on 127.0.0.1
with a strict Content-Security-Policy, and Debian's Chromium with every request leaving 127.0.0.1 aborted
(so map tiles are always blocked)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from entraide.entries import Entry, write_entry
from entraide.samples import generate

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date.today()
HOSTILE_TITLE = '<img src=x onerror=alert(1)> "{{7*7}}"'
HOSTILE_COMMUNE = ("38533", "venon")  # a small commune: its entries fit in the list under the map


def hostile_entry() -> Entry:
    created = dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(10), dt.timezone(dt.timedelta(hours=1)))
    return Entry(
        id="carte-hostile-000001",
        kind="request",
        category="other",
        commune=HOSTILE_COMMUNE[0],
        title=HOSTILE_TITLE,
        description="<script>alert('description')</script> et {{ config }}",
        name="<b>Eve</b>",
        created=created.isoformat(),
        expires=(TODAY + dt.timedelta(days=20)).isoformat(),
        contact="sealed:v1:000000000000000000000000:exemple-sans-contact",
    )


@dataclass
class BuiltSite:
    root: Path
    url: str


@pytest.fixture(scope="session")
def map_site(tmp_path_factory) -> BuiltSite:
    """400 generated entries and a hostile one, built as `make html` does, served by http.server."""
    tmp = tmp_path_factory.mktemp("map-site")
    submissions = tmp / "submissions"
    for entry in generate(400, seed=5, start=TODAY - dt.timedelta(days=15), lifetime_days=365):
        write_entry(submissions, entry)
    write_entry(submissions, hostile_entry())
    output = tmp / "output"
    command = [
        sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", str(output), "-q",
        "-e", f"SUBMISSIONS_PATH={json.dumps(str(submissions))}", f"BUILD_DATE={json.dumps(TODAY.isoformat())}",
    ]  # fmt: skip
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAIDE_")}
    environ["ENTRAIDE_CACHE_PATH"] = str(tmp / "cache")
    result = subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300)
    if result.returncode or not (output / "carte" / "index.html").exists():
        pytest.fail(f"the site build failed:\n{result.stdout}\n{result.stderr}")
    handler = functools.partial(_QuietHandler, directory=str(output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield BuiltSite(output, f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


# The strict policy a deployment can send (docs/map.md): any inline script or style on the page, or a
# request the policy does not allow, shows up as a console error the tests catch.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; "
    "connect-src 'self'; base-uri 'none'; form-action 'self' http://127.0.0.1:8001; frame-ancestors 'none'"
)


class _QuietHandler(SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        super().end_headers()

    def log_message(self, *args):
        pass


@dataclass
class Watch:
    """What the page did: requests it made, what was blocked, dialogs and errors."""

    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def geojson_files(self) -> list[str]:
        return [urlsplit(url).path for url in self.requested if urlsplit(url).path.startswith("/geo/")]

    def errors_except_blocked(self) -> list[str]:
        """Console errors, but not the 'failed to load' of requests the route aborted on purpose."""
        return [text for text, url in self.console_errors if url not in self.blocked] + self.page_errors


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser, watch):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1000, "height": 900})

    def guard(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watch.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    opened = context.new_page()
    opened.on("request", lambda request: watch.requested.append(request.url))
    opened.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    opened.on("console", lambda m: m.type == "error" and watch.console_errors.append((m.text, m.location.get("url"))))
    opened.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    opened.set_default_timeout(10_000)
    yield opened
    context.close()
