"""The site built as `make html` (or `make publish`) builds it, and served on 127.0.0.1 as a static host serves it.

`build_site` runs Pelican in its own process from the repository, as the Makefile does, with the caller's
entries, date and settings and nothing else: ENTRAIDE_ variables of the environment the tests run in are left
out. `SiteServer` serves a built folder (the folder can change between requests, for a rebuild).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pelican.log  # noqa: F401 (imported for its side effect, undone below)

from .network import LOOPBACK

# Importing Pelican makes every logger created after it a LimitLogger, which drops a warning it has already
# let through (pelican.log). The plugins' tests import Pelican into the test process, and the endpoint's loggers
# come into being later: a test then missed the second identical warning of a run (test_lambda_events failed
# after tests/browser/test_search_plugin.py). Imported here first, before any test, and its logger class undone.
logging.setLoggerClass(logging.Logger)

ROOT = Path(__file__).resolve().parents[2]
PELICAN = str(Path(sys.executable).with_name("pelican"))  # this environment's, for make (`make html PELICAN=…`)
BUILD_SECONDS = 300


def build_environ(cache: Path, **settings: str) -> dict[str, str]:
    """This environment without its ENTRAIDE_ settings (nor make's own variables), plus `settings`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ENTRAIDE_", "MAKE", "MFLAGS"))}
    return {**environ, "ENTRAIDE_CACHE_PATH": str(cache), "COLUMNS": "300", **settings}


def build_site(
    submissions: Path,
    output: Path,
    *,
    build_date: dt.date | str,
    cache: Path,
    settings_file: str = "pelicanconf.py",
    settings: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    quiet: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`pelican content` as the Makefile runs it: `submissions` built into `output` as of `build_date`.

    `settings` override the settings file's (Pelican's `-e NAME=json`), `environ` are ENTRAIDE_ variables.
    """
    overrides = {"SUBMISSIONS_PATH": str(submissions), "BUILD_DATE": str(build_date), **(settings or {})}
    command = [sys.executable, "-m", "pelican", "content", "-s", settings_file, "-o", str(output)]
    command += ["-e", *(f"{name}={json.dumps(value)}" for name, value in overrides.items())]
    command += ["-q"] if quiet else []
    return subprocess.run(
        command,
        cwd=ROOT,
        env=build_environ(cache, **(environ or {})),
        capture_output=True,
        text=True,
        timeout=BUILD_SECONDS,
    )


class SiteServer:
    """A built site served on 127.0.0.1 by a threaded http.server; `headers` are added to every answer."""

    def __init__(self, root: Path | None = None, headers: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.headers = dict(headers or {})  # e.g. a Content-Security-Policy
        self.server = ThreadingHTTPServer((LOOPBACK, 0), _handler_serving(self))
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def file(self, path: str) -> Path:
        """The built file a URL path is served from."""
        relative = urlsplit(path).path.lstrip("/")
        target = self.root / relative
        return target / "index.html" if target.is_dir() or relative.endswith("/") or not relative else target

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler_serving(site: SiteServer) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        extensions_map: ClassVar[dict[str, str]] = {
            **SimpleHTTPRequestHandler.extensions_map,
            ".geojson": "application/geo+json",
            ".wasm": "application/wasm",
            ".js": "text/javascript",
            ".mjs": "text/javascript",
        }

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site.root), **kwargs)

        def end_headers(self) -> None:
            for name, value in site.headers.items():
                self.send_header(name, value)
            super().end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
