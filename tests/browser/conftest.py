"""The real parts the browser tests drive: Debian's Chromium, the built site, the endpoint, an SMTP server, git.

One session builds a site from fixture entries (a sample set plus handcrafted ones, one of them hostile),
serves it with a threaded http.server on 127.0.0.1, runs the form endpoint as its own process next to it
(local backend writing into a temporary git repository, mails to a real aiosmtpd server), and starts one
Chromium. Every page gets a route that aborts any request leaving 127.0.0.1 and records it, so a test can
assert that nothing but the (blocked) map tiles ever tried to leave the machine.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import gzip
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

from entraide.entries import Entry, write_entry
from entraide.samples import generate
from entraide.sealing import Contact, KeyPair, hash_withdraw_key

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PELICAN = str(Path(sys.executable).with_name("pelican"))
ENTRAIDE = str(Path(sys.executable).with_name("entraide"))
HERE = Path(__file__).resolve().parent


MIN_FILL_SECONDS = 1
TODAY = dt.date.today()
MODERATORS = "moderation@example.test"

# Handcrafted entries the journeys rely on. Their contacts are sealed with the session's key, so the
# endpoint can relay a message to their authors; the withdraw key of AUTHORED is known to the tests.
HOSTILE_TITLE = '<img src=x onerror=alert(1)> "{{7*7}}"'
HOSTILE_ID = "test-hostile-000001"
AUTHORED_ID = "test-atelier-000001"
AUTHOR_EMAIL = "auteure.secrete@example.test"
AUTHOR_PHONE = "06 12 34 56 78"
AUTHORED_WITHDRAW_KEY = "cle-de-retrait-de-test-1234567890"
REQUEST_ID = "test-demande-000001"
FIXTURE_COMMUNE = ("38229", "meylan")  # INSEE code, slug: where the handcrafted entries live


# --- Chromium -------------------------------------------------------------------------------------------------


@dataclass
class Watch:
    """What a page did that a person would notice or that must never happen: dialogs, errors, escapes."""

    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[tuple[str, str]] = field(default_factory=list)  # (text, url of the failing resource)
    page_errors: list[str] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)

    def errors_except_blocked(self) -> list[str]:
        """Console errors, leaving out the 'failed to load' lines of requests our route aborted on purpose."""
        return [text for text, url in self.console_errors if url not in self.blocked] + self.page_errors


def _open_context(
    browser, watch: Watch, *, javascript: bool = True, bypass_csp: bool = False, reduced_motion: str = "no-preference"
):
    context = browser.new_context(
        java_script_enabled=javascript,
        locale="fr-FR",
        service_workers="block",
        bypass_csp=bypass_csp,
        reduced_motion=reduced_motion,
    )

    def guard(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watch.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    context.on("requestfinished", lambda request: watch.loaded.append(request.url))
    return context


def _watched_page(context, watch: Watch):
    page = context.new_page()
    page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "console",
        lambda message: (
            message.type == "error" and watch.console_errors.append((message.text, message.location.get("url", "")))
        ),
    )
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    page.set_default_timeout(10_000)
    return page


@contextmanager
def open_page(browser, *, javascript: bool = True, bypass_csp: bool = False, reduced_motion: str = "no-preference"):
    """A page in its own context, for fixtures wider than one test; yields (page, watch)."""
    watch = Watch()
    context = _open_context(browser, watch, javascript=javascript, bypass_csp=bypass_csp, reduced_motion=reduced_motion)
    try:
        yield _watched_page(context, watch), watch
    finally:
        context.close()


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser, watch):
    """A fresh page with JavaScript on; whatever it tried to reach outside 127.0.0.1 is in `watch.blocked`."""
    context = _open_context(browser, watch)
    yield _watched_page(context, watch)
    context.close()


@pytest.fixture
def nojs_page(browser, watch):
    """A fresh page with JavaScript off, as some residents browse."""
    context = _open_context(browser, watch, javascript=False)
    yield _watched_page(context, watch)
    context.close()


# --- npm tools: axe-core and the Nu Html Checker -----------------------------------------------------------------


# --- Mail: a real SMTP server ----------------------------------------------------------------------------------


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content()


class Inbox:
    """aiosmtpd handler keeping every mail it receives."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def wait_for(self, predicate, timeout: float = 10.0) -> Mail:
        """The first mail matching `predicate`, waiting for the endpoint to send it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in self.mails:
                if predicate(mail):
                    return mail
            time.sleep(0.05)
        seen = [(m.recipients, m.message["Subject"]) for m in self.mails]
        raise AssertionError(f"no such mail arrived within {timeout} s; received: {seen}")


@pytest.fixture(scope="session")
def inbox():
    from aiosmtpd.controller import Controller

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


# --- The data: a git repository of entries -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def keys() -> KeyPair:
    return KeyPair.generate()


@dataclass
class Workspace:
    repo: Path
    env: dict[str, str]

    @property
    def submissions(self) -> Path:
        return self.repo / "submissions"

    @property
    def pending(self) -> Path:
        return self.repo / "pending"

    def entraide(self, *args: str) -> subprocess.CompletedProcess:
        """The moderators' command, run in the repository as a moderator would."""
        return subprocess.run(
            [ENTRAIDE, *args], cwd=self.repo, env=self.env, capture_output=True, text=True, timeout=60
        )

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.repo, check=True, capture_output=True, text=True).stdout


def handcrafted_entries(keys: KeyPair) -> list[Entry]:
    code, _ = FIXTURE_COMMUNE
    created = dt.datetime.combine(
        TODAY - dt.timedelta(days=2), dt.time(9, 30), dt.timezone(dt.timedelta(hours=1))
    ).isoformat()
    expires = (TODAY + dt.timedelta(days=28)).isoformat()
    common = {"commune": code, "created": created, "expires": expires}
    return [
        Entry(
            id=HOSTILE_ID,
            kind="offer",
            category="other",
            title=HOSTILE_TITLE,
            description='<script>alert("description")</script> {{ config }} {% raw %} & '
            + "Anticonstitutionnellementanticonstitutionnellement" * 4,
            name='"><svg onload=alert(3)>',
            contact=keys.seal(Contact(email="hostile@example.test")),
            **common,
        ),
        Entry(
            id=AUTHORED_ID,
            kind="offer",
            category="homework",
            title="Atelier de lecture à voix haute",
            description="Je lis des histoires au téléphone aux enfants qui apprennent à lire, le mercredi.",
            name="Simone",
            availability="Le mercredi après-midi",
            contact=keys.seal(Contact(email=AUTHOR_EMAIL, phone=AUTHOR_PHONE)),
            withdraw_key_hash=hash_withdraw_key(AUTHORED_WITHDRAW_KEY),
            **common,
        ),
        Entry(
            id=REQUEST_ID,
            kind="request",
            category="groceries",
            title="Courses pour une voisine âgée",
            description="Ma voisine de 91 ans ne peut plus porter ses sacs. Qui passerait le jeudi ?",
            name="Odette",
            contact=keys.seal(Contact(phone="04 76 11 22 33")),
            **common,
        ),
    ]


@pytest.fixture(scope="session")
def workspace(tmp_path_factory, keys, inbox, static_site) -> Workspace:
    """A git repository like the project's: 150 sample entries plus the handcrafted ones, all active today."""
    repo = tmp_path_factory.mktemp("repo")
    for entry in generate(150, seed=7, start=TODAY - dt.timedelta(days=20), lifetime_days=365):
        write_entry(repo / "submissions", entry)
    for entry in handcrafted_entries(keys):
        write_entry(repo / "submissions", entry)
    (repo / ".gitignore").write_text("/pending/\n/reports/\n/outbox/\n/.dev-keys/\n")
    workspace = Workspace(repo, _endpoint_environ(repo, keys, inbox, static_site.url))
    workspace.git("init", "-q", "-b", "main")
    workspace.git("config", "user.name", "Modération Test")
    workspace.git("config", "user.email", "moderation-test@example.test")
    workspace.git("add", "-A")
    workspace.git("commit", "-q", "-m", "Fixture entries")
    static_site.submissions = workspace.submissions
    return workspace


def _endpoint_environ(repo: Path, keys: KeyPair, inbox: Inbox, site_url: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ENTRAIDE_", "GITHUB_"))}
    return {
        **environ,
        "ENTRAIDE_SITE_URL": site_url,
        "ENTRAIDE_BACKEND": "local",
        "ENTRAIDE_PENDING_PATH": str(repo / "pending"),
        "ENTRAIDE_SUBMISSIONS_PATH": str(repo / "submissions"),
        "ENTRAIDE_REPORTS_PATH": str(repo / "reports"),
        "ENTRAIDE_OUTBOX_PATH": str(repo / "outbox"),
        "ENTRAIDE_DEV_KEYS_PATH": str(repo / ".dev-keys"),
        "ENTRAIDE_PRIVATE_KEY": keys.private,
        "ENTRAIDE_MODERATORS_EMAIL": MODERATORS,
        "ENTRAIDE_SMTP_HOST": "127.0.0.1",
        "ENTRAIDE_SMTP_PORT": str(inbox.port),
        "ENTRAIDE_MIN_FILL_SECONDS": str(MIN_FILL_SECONDS),
        "ENTRAIDE_RATE_LIMIT_PER_IP": "1000",
        "ENTRAIDE_RATE_LIMIT_GLOBAL": "10000",
        "ENTRAIDE_GEOCODER_URL": "",  # no network: addresses are not geocoded, entries fall back to their commune
    }


# --- The static site ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StaticSite:
    """A built site served on 127.0.0.1; `build()` rebuilds into a fresh folder and serves that one."""

    def __init__(self, tmp: Path, submissions: Path | None) -> None:
        self.tmp = tmp
        self.submissions = submissions
        self.root: Path | None = None
        self.builds = 0
        self.endpoint_url = ""
        self.headers: dict[str, str] = {}  # extra response headers, e.g. a Content-Security-Policy
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_serving(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def build(self) -> Path:
        self.builds += 1
        output = self.tmp / f"output-{self.builds}"
        build_site(
            self.submissions, output, endpoint_url=self.endpoint_url, site_url=self.url, cache=self.tmp / "cache"
        )
        self.root = output
        return output

    def file(self, path: str) -> Path:
        """The built file a URL path is served from."""
        relative = urlsplit(path).path.lstrip("/")
        target = self.root / relative
        return target / "index.html" if target.is_dir() or relative.endswith("/") or not relative else target

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler_serving(site: StaticSite):
    class Handler(SimpleHTTPRequestHandler):
        extensions_map: ClassVar[dict[str, str]] = {
            **SimpleHTTPRequestHandler.extensions_map,
            ".geojson": "application/geo+json",
            ".wasm": "application/wasm",
            ".js": "text/javascript",
            ".mjs": "text/javascript",
        }

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(site.root), **kwargs)

        def end_headers(self):
            for name, value in site.headers.items():
                self.send_header(name, value)
            super().end_headers()

        def log_message(self, *args):
            pass

    return Handler


def build_site(
    submissions: Path, output: Path, *, endpoint_url: str, site_url: str, cache: Path, build_date: dt.date = TODAY
) -> None:
    """`pelican content` as `make html` runs it, with our entries, endpoint and date."""
    command = [
        PELICAN,
        "content",
        "-s",
        "pelicanconf.py",
        "-o",
        str(output),
        "-q",
        "-e",
        f"SUBMISSIONS_PATH={json.dumps(str(submissions))}",
        f"ENDPOINT_URL={json.dumps(endpoint_url)}",
        f"BUILD_DATE={json.dumps(build_date.isoformat())}",
    ]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAIDE_")}
    environ |= {"ENTRAIDE_SITE_URL": site_url, "ENTRAIDE_CACHE_PATH": str(cache)}
    result = subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300)
    if result.returncode != 0 or not (output / "index.html").exists():
        pytest.fail(f"the site build failed ({' '.join(command)}):\n{result.stdout}\n{result.stderr}")


# --- The endpoint, as its own process ----------------------------------------------------------------------------


@dataclass
class Endpoint:
    url: str
    log: Path

    def read_log(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


@pytest.fixture(scope="session")
def static_site(tmp_path_factory):
    """The site's server, listening before the build so the endpoint can know the site's address."""
    site = StaticSite(tmp_path_factory.mktemp("site"), submissions=None)
    yield site
    site.close()


@pytest.fixture(scope="session")
def endpoint(tmp_path_factory, workspace):
    """`python -m entraide.endpoint.serve` with the workspace's settings, as `make serve` runs it."""
    port = free_port()
    log = tmp_path_factory.mktemp("endpoint") / "endpoint.log"
    with log.open("w") as stream:
        process = subprocess.Popen(
            [PYTHON, "-m", "entraide.endpoint.serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workspace.repo,
            env=workspace.env,
            stdout=stream,
            stderr=subprocess.STDOUT,
        )
    running = Endpoint(f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_up(running, process)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(running: Endpoint, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the endpoint exited with {process.returncode}:\n{running.read_log()}")
        try:
            with urllib.request.urlopen(running.url + "/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the endpoint did not answer /health within 30 s:\n{running.read_log()}")


@pytest.fixture(scope="session")
def site(static_site, endpoint) -> StaticSite:
    """The fixture site, built with the endpoint's address and served; journeys rebuild it after moderation."""
    static_site.endpoint_url = endpoint.url
    static_site.build()
    return static_site


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> StaticSite:
    """The demo site a fresh clone shows: the shipped submissions/ sample set, built as of today."""
    demo = StaticSite(tmp_path_factory.mktemp("demo"), ROOT / "submissions")
    demo.endpoint_url = "http://127.0.0.1:8001"
    demo.build()
    yield demo
    demo.close()


def gzipped_size(path: Path) -> int:
    """Bytes on the wire once compressed the way static hosts and CDNs usually do (gzip level 6)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=6))
