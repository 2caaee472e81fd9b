"""Real servers on 127.0.0.1: the endpoint under waitress, an aiosmtpd SMTP server, a fake address API."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import waitress
from aiosmtpd.controller import Controller

from entraide.config import Config
from entraide.endpoint.app import create_app
from entraide.endpoint.tokens import FORM, issue
from entraide.entries import Entry, load_entries, write_entry
from entraide.sealing import KeyPair
from entraide.store import open_store, upgrade
from entraide.submission import build_submission

SITE = "http://site.test"
AUTHOR_EMAIL = "odile.martin@example.fr"
AUTHOR_PHONE = "06 12 34 56 78"
PHONE_ONLY_AUTHOR = "07 98 76 54 32"
VISITOR_EMAIL = "visiteur.bienveillant@example.org"
TOKEN_SECRET = "a test secret, not a real one"

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler keeping every mail it receives, parsed."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"

    def wait(self, count: int, timeout: float = 5.0) -> list[email.message.EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


class FakeAddressAPI(BaseHTTPRequestHandler):
    """Answers like the Base Adresse Nationale's /search/: a GeoJSON FeatureCollection."""

    places: ClassVar[dict[str, tuple[float, float]]] = {}
    slow_seconds = 1.0
    queries: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query).get("q", [""])[0]
        self.queries.append(query)
        if query.startswith("lent"):
            time.sleep(self.slow_seconds)
        if query.startswith("panne"):
            self.send_response(502)
            self.end_headers()
            return
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(point)},
                "properties": {"label": name, "score": 0.93, "type": "housenumber"},
            }
            for name, point in self.places.items()
            if name.lower() == query.lower()
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features, "query": query}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the endpoint gave up waiting: what the slow case is about
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def address_api():
    FakeAddressAPI.places = {
        "12 rue de la république grenoble": (5.72874, 45.19106),
        "8 chemin des sources meylan": (5.7866, 45.2148),
        "1 place bellecour lyon": (4.8320, 45.7578),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAddressAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/search/"
    server.shutdown()
    server.server_close()


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
            app, host="127.0.0.1", port=0, threads=threads, ident="entraide-test", asyncore_loop_timeout=0.05
        )
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
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


def serve(app: Any) -> tuple[str, Server]:
    server = Server(app)
    return server.url, server


@pytest.fixture
def keys() -> KeyPair:
    return KeyPair.generate()


def quiet_settings(root: Path, keys: KeyPair) -> dict[str, str]:
    """An endpoint's settings for tests: its folders and its store under `root` (the store's schema brought up
    to date, as `entraide db upgrade` does at installation), no waiting, no limits, no geocoder."""
    root.mkdir(parents=True, exist_ok=True)
    upgrade_store(f"sqlite:///{root}/entraide.db")
    return {
        "ENTRAIDE_SITE_URL": SITE,
        "ENTRAIDE_PENDING_PATH": str(root / "pending"),
        "ENTRAIDE_SUBMISSIONS_PATH": str(root / "submissions"),
        "ENTRAIDE_REPORTS_PATH": str(root / "reports"),
        "ENTRAIDE_OUTBOX_PATH": str(root / "outbox"),
        "ENTRAIDE_DEV_KEYS_PATH": str(root / ".dev-keys"),
        "ENTRAIDE_PRIVATE_KEY": keys.private,
        "ENTRAIDE_TOKEN_SECRET": TOKEN_SECRET,
        "ENTRAIDE_MIN_FILL_SECONDS": "0",
        "ENTRAIDE_RATE_LIMIT_PER_IP": "0",
        "ENTRAIDE_RATE_LIMIT_GLOBAL": "0",
        "ENTRAIDE_GEOCODER_URL": "",
        "ENTRAIDE_SMTP_HOST": "",
        "ENTRAIDE_MODERATORS_EMAIL": "moderation@metropole.test",
        "ENTRAIDE_DATABASE_URL": f"sqlite:///{root}/entraide.db",
    }


@pytest.fixture
def make_endpoint(tmp_path, keys, mailbox):
    """Start an endpoint on a free port; settings default to a quiet test setup, overridable per test."""
    servers = []

    def start(backend: Any = None, **settings: Any) -> Endpoint:
        root = tmp_path / f"endpoint-{len(servers)}"
        environ = quiet_settings(root, keys)
        environ.update(ENTRAIDE_SMTP_HOST="127.0.0.1", ENTRAIDE_SMTP_PORT=str(mailbox.port))
        environ.update({key: str(value) for key, value in settings.items()})
        config = Config.from_environ(environ)
        app = create_app(config, backend=backend)
        url, server = serve(app)
        servers.append(server)
        return Endpoint(url, config, keys, root, app)

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def endpoint(make_endpoint) -> Endpoint:
    return make_endpoint()


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `condition()` holds (what a background publisher does takes a moment), or fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited 10 s for what the endpoint does after it answers"
        time.sleep(0.02)


def upgrade_store(url: str) -> None:
    """What `entraide db upgrade` does at installation."""
    store = open_store(url)
    try:
        upgrade(store)
    finally:
        store.close()


def approved_entry(endpoint: Endpoint, **form: Any):
    """An entry already approved (in submissions/), sealed with the endpoint's key."""
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=1)))
    result = build_submission({**GOOD_FORM, **form}, keys=endpoint.keys, now=now, expiry_days=30, secret=b"fixture")
    write_entry(endpoint.config.submissions_path, result.entry)
    return result
