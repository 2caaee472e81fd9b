"""Debian's Chromium driven by Playwright, and pages opened in it with the loopback guard and a watch.

One Playwright instance and one browser serve the whole run (Playwright's sync API runs one event loop per
thread: every folder's browser tests share them). The benchmarks launch Chromium with the same flags
(`launch`). Never a downloaded browser build: `make browser` installs Debian's package.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from .network import guard_browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000


def launch(playwright: Any, **options: Any) -> Any:
    """Debian's Chromium, headless, with the flags of every test and benchmark."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **options)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, installed with apt when missing (never a downloaded browser build)."""
    if not Path(CHROMIUM).exists():
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False)
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make browser` (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch(playwright)
        yield instance
        instance.close()


@dataclass
class Watch:
    """What a page did that a person would notice or that must never happen: dialogs, errors, escapes."""

    requested: list[str] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # requests leaving 127.0.0.1, aborted
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[tuple[str, str]] = field(default_factory=list)  # (text, url of the failing resource)
    page_errors: list[str] = field(default_factory=list)

    def errors_except_blocked(self) -> list[str]:
        """Console errors, leaving out the 'failed to load' lines of requests the guard aborted on purpose."""
        return [text for text, url in self.console_errors if url not in self.blocked] + self.page_errors

    def geojson_files(self) -> list[str]:
        return [urlsplit(url).path for url in self.requested if urlsplit(url).path.startswith("/geo/")]


@contextmanager
def open_page(
    browser: Any, watch: Watch | None = None, *, javascript: bool = True, **context_options: Any
) -> Iterator[tuple[Any, Watch]]:
    """A page in a context of its own (French, no service worker, nothing leaving 127.0.0.1); yields (page, watch).

    `context_options` go to Playwright's `new_context` (viewport, reduced_motion, bypass_csp...).
    """
    watch = watch if watch is not None else Watch()
    options = {"locale": "fr-FR", "service_workers": "block", **context_options}
    context = browser.new_context(java_script_enabled=javascript, **options)
    guard_browser(context, watch.blocked)
    context.on("requestfinished", lambda request: watch.loaded.append(request.url))
    try:
        yield _watched(context.new_page(), watch), watch
    finally:
        context.close()


def _watched(page: Any, watch: Watch) -> Any:
    page.on("request", lambda request: watch.requested.append(request.url))
    page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "console",
        lambda message: (
            message.type == "error" and watch.console_errors.append((message.text, message.location.get("url", "")))
        ),
    )
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    page.set_default_timeout(TIMEOUT_MS)
    return page


def page_text(page: Any) -> str:
    """What a person reads on the page."""
    return page.locator("body").inner_text()


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Any, watch: Watch) -> Iterator[Any]:
    """A fresh page with JavaScript on; whatever it tried to reach outside 127.0.0.1 is in `watch.blocked`."""
    with open_page(browser, watch) as (opened, _):
        yield opened


@pytest.fixture
def nojs_page(browser: Any, watch: Watch) -> Iterator[Any]:
    """A fresh page with JavaScript off, as some residents browse."""
    with open_page(browser, watch, javascript=False) as (opened, _):
        yield opened
