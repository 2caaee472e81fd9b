"""The form endpoint, for real: under waitress in this process (`make_endpoint`, `endpoint`), or as its own
process started with a deployer's command line (`run_endpoint`, `served`).

Either way it listens on a free port of 127.0.0.1. `quiet_settings` are an endpoint's settings for tests: its
folders and its store under one folder, no waiting, no limits, no geocoder. GOOD_FORM is what a resident sends.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import waitress

from entraide.config import Config
from entraide.endpoint.app import create_app
from entraide.endpoint.tokens import FORM, issue
from entraide.entries import Entry, write_entry
from entraide.pipeline import load_entries
from entraide.sealing import KeyPair
from entraide.store import open_store, upgrade
from entraide.submission import Submission, build_submission

from .mail import Inbox
from .network import LOOPBACK
from .ports import free_port

SITE = "http://site.test"  # the site's address the endpoint is told, and the Origin its forms send
TOKEN_SECRET = "a test secret, not a real one"
START_SECONDS = 30

AUTHOR_EMAIL = "odile.martin@example.fr"
AUTHOR_PHONE = "06 12 34 56 78"
PHONE_ONLY_AUTHOR = "07 98 76 54 32"
VISITOR_EMAIL = "visiteur.bienveillant@example.org"
# One address to the eye, thirteen recipients once its encoded word is decoded: a header injection.
THIRTEEN = "=?utf-8?b?" + base64.b64encode(",".join(f"v{n}@x.fr" for n in range(13)).encode()).decode() + "?=@x.fr"
GOOD_FORM = {
    "kind": "offer",
    "category": "groceries",
    "commune": "38185",
    "title": "Je fais vos courses le samedi",
    "description": "J'ai une voiture et du temps le samedi matin.\nJe peux passer à la pharmacie aussi.",
    "name": "Odile",
    "availability": "Le samedi matin",
    "email": AUTHOR_EMAIL,
    "phone": AUTHOR_PHONE,
    "consent": "on",
}


def quiet_settings(root: Path, keys: KeyPair) -> dict[str, str]:
    """An endpoint's settings for tests: its folders and its store under `root` (the store's schema brought up
    to date, as `entraide db upgrade` does at installation), no waiting, no limits, no geocoder, no SMTP."""
    root.mkdir(parents=True, exist_ok=True)
    upgrade_store(f"sqlite:///{root}/entraide.db")
    return {
        "ENTRAIDE_SITE_URL": SITE,
        **folder_settings(root, keys),
        "ENTRAIDE_TOKEN_SECRET": TOKEN_SECRET,
        "ENTRAIDE_MIN_FILL_SECONDS": "0",
        "ENTRAIDE_RATE_LIMIT_PER_IP": "0",
        "ENTRAIDE_RATE_LIMIT_GLOBAL": "0",
        "ENTRAIDE_GEOCODER_URL": "",
        "ENTRAIDE_SMTP_HOST": "",
        "ENTRAIDE_MODERATORS_EMAIL": "moderation@metropole.test",
        "ENTRAIDE_DATABASE_URL": f"sqlite:///{root}/entraide.db",
    }


def folder_settings(root: Path, keys: KeyPair) -> dict[str, str]:
    """Where an endpoint keeps what it writes (pending entries, reports, mails, development keys), under `root`."""
    return {
        "ENTRAIDE_PENDING_PATH": str(root / "pending"),
        "ENTRAIDE_SUBMISSIONS_PATH": str(root / "submissions"),
        "ENTRAIDE_REPORTS_PATH": str(root / "reports"),
        "ENTRAIDE_OUTBOX_PATH": str(root / "outbox"),
        "ENTRAIDE_DEV_KEYS_PATH": str(root / ".dev-keys"),
        "ENTRAIDE_PRIVATE_KEY": keys.private,
    }


def upgrade_store(url: str) -> None:
    """What `entraide db upgrade` does at installation."""
    store = open_store(url)
    try:
        upgrade(store)
    finally:
        store.close()


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `condition()` holds (what a background publisher does takes a moment), or fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for what the endpoint does after it answers"
        time.sleep(0.02)


# --- In this process, under waitress ---------------------------------------------------------------------------


@dataclass
class Endpoint:
    url: str
    config: Config
    keys: KeyPair
    root: Path
    app: Any = None  # the application itself when it runs in this process (its publisher can be waited for)
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def pending(self) -> Path:
        return Path(self.config.pending_path)

    def post(self, path: str, *, origin: str | None = SITE, **options: Any) -> requests.Response:
        headers = dict(options.pop("headers", {}))
        if origin is not None:
            headers.setdefault("Origin", origin)
        return self.session.post(self.url + path, headers=headers, timeout=10, **options)

    def get(self, path: str, **options: Any) -> requests.Response:
        return self.session.get(self.url + path, timeout=10, **options)

    def form_token(self, age: float = 60.0) -> str:
        return issue(TOKEN_SECRET.encode(), FORM, time.time() - age)

    def pending_files(self) -> list[Path]:
        """The pending files, once the endpoint's publisher has handed over everything it queued."""
        self.wait_until_published()
        return sorted(p for p in self.pending.rglob("*") if p.is_file())

    def pending_entries(self) -> list[Entry]:
        self.wait_until_published()
        return load_entries(self.pending)

    def wait_until_published(self, timeout: float = 10.0) -> None:
        store = open_store(self.config.database_url)
        try:
            wait_for(
                lambda: not store.queue.stats(time.time()).waiting and not (self.app and self.app.publishing), timeout
            )
        finally:
            store.close()

    def all_files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())


class Server:
    """waitress in a thread on a free port of 127.0.0.1, stopped cleanly."""

    def __init__(self, app: Any, threads: int = 16) -> None:
        self.server = waitress.create_server(
            app, host=LOOPBACK, port=0, threads=threads, ident="entraide-test", asyncore_loop_timeout=0.05
        )
        self.url = f"http://{LOOPBACK}:{self.server.effective_port}"
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            if not self.stopping:  # the loop's select() sees its socket closed under it when we stop
                raise

    def close(self) -> None:
        self.stopping = True
        for channel in list(self.server._map.values()):  # open keep-alive connections keep the loop running
            channel.close()
        self.server.task_dispatcher.shutdown(timeout=5)
        self.thread.join(timeout=5)


@pytest.fixture
def keys() -> KeyPair:
    """The instance's key pair (folders may want one for the whole session: they declare their own)."""
    return KeyPair.generate()


@pytest.fixture
def make_endpoint(tmp_path: Path, keys: KeyPair, mailbox: Inbox) -> Iterator[Callable[..., Endpoint]]:
    """Start an endpoint on a free port, mailing to `mailbox`; settings default to `quiet_settings`, overridable
    per test (`make_endpoint(ENTRAIDE_RATE_LIMIT_PER_IP=3)`), the backend too."""
    servers = []

    def start(backend: Any = None, **settings: Any) -> Endpoint:
        root = tmp_path / f"endpoint-{len(servers)}"
        environ = quiet_settings(root, keys)
        environ.update(ENTRAIDE_SMTP_HOST=LOOPBACK, ENTRAIDE_SMTP_PORT=str(mailbox.port))
        environ.update({key: str(value) for key, value in settings.items()})
        config = Config.from_environ(environ)
        app = create_app(config, backend=backend)
        server = Server(app)
        servers.append(server)
        return Endpoint(server.url, config, keys, root, app)

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def endpoint(make_endpoint: Callable[..., Endpoint]) -> Endpoint:
    return make_endpoint()


def approved_entry(endpoint: Endpoint, **form: Any) -> Submission:
    """An entry already approved (in submissions/), sealed with the endpoint's key."""
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=1)))
    result = build_submission({**GOOD_FORM, **form}, keys=endpoint.keys, now=now, expiry_days=30, secret=b"fixture")
    write_entry(endpoint.config.submissions_path, result.entry)
    return result


# --- As its own process ----------------------------------------------------------------------------------------


@dataclass
class ServedEndpoint:
    url: str
    port: int
    root: Path
    process: subprocess.Popen
    log: Path

    @property
    def output(self) -> str:
        """What the server printed so far (its log lines)."""
        return self.log.read_text("utf-8", errors="replace")

    def open_files_under(self, folder: Path) -> list[str]:
        """The server's open file descriptors that point into `folder` (deleted temporary files included)."""
        links = []
        for descriptor in Path(f"/proc/{self.process.pid}/fd").iterdir():
            try:
                links.append(os.readlink(descriptor))
            except FileNotFoundError:  # closed while we looked
                continue
        return [link for link in links if link.startswith(str(folder))]


def serve_command(port: int) -> list[str]:
    """`python -m entraide.endpoint.serve`, what `make serve` and `make endpoint` run."""
    return [sys.executable, "-m", "entraide.endpoint.serve", "--host", LOOPBACK, "--port", str(port)]


def program(name: str) -> str:
    """A console script of this virtual environment (gunicorn, waitress-serve), as a deployer's PATH finds it."""
    return str(Path(sys.executable).parent / name)


@contextmanager
def run_endpoint(
    argv: list[str], port: int, environ: Mapping[str, str], cwd: Path, log: Path
) -> Iterator[ServedEndpoint]:
    """Run `argv` (which serves the endpoint on `port`) with exactly `environ`, its output going to `log`; wait
    until /health answers; stop it as a service manager does (SIGTERM) after."""
    with log.open("w") as stream:
        process = subprocess.Popen(argv, env=dict(environ), cwd=cwd, stdout=stream, stderr=subprocess.STDOUT)
    endpoint = ServedEndpoint(f"http://{LOOPBACK}:{port}", port, cwd, process, log)
    try:
        _wait_for_health(endpoint)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def served(
    argv: list[str], root: Path, keys: KeyPair, port: int | None = None, settings: Mapping[str, str] | None = None
) -> Iterator[ServedEndpoint]:
    """`run_endpoint` with the quiet test settings under `root`, changed by `settings`; `argv` listens on `port`."""
    port = port or free_port()
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    # HOME too: gunicorn 27 puts its control socket under ~/.gunicorn/, which two runs at once would share
    environ = {**os.environ, **quiet_settings(root, keys), **(settings or {})}
    environ.update(TMPDIR=str(root / "tmp"), HOME=str(root))
    with run_endpoint(argv, port, environ, root, root / "endpoint.log") as endpoint:
        yield endpoint


def _wait_for_health(endpoint: ServedEndpoint) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if endpoint.process.poll() is not None:
            raise AssertionError(f"the endpoint stopped at start ({endpoint.process.returncode}):\n{endpoint.output}")
        try:
            if requests.get(endpoint.url + "/health", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"no answer on {endpoint.url}/health after {START_SECONDS} s:\n{endpoint.output}")
