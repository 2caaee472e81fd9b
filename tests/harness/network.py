"""No network but loopback: pages in Chromium get `guard_browser`, every request leaving 127.0.0.1 is aborted
and recorded, so a test can say what tried to leave (map tiles)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"


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
