"""The world of the browser tests and the journeys: a repository of entries like the project's, the site built
from it and served on 127.0.0.1, and the endpoint running as its own process next to it, as `make serve` runs
them (local backend writing pending entries into the repository, mails to the `inbox` SMTP server).

The repository holds 150 sample entries and handcrafted ones the journeys rely on (one of them hostile), their
contacts sealed with the workspace's key so the endpoint can relay messages to their authors. `demo_site` is
the site a fresh clone shows: the shipped submissions/ built as of today.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from entraide.entries import Entry, write_entry
from entraide.pipeline import read_entry
from entraide.samples import generate
from entraide.sealing import Contact, KeyPair, hash_withdraw_key

from .endpoint import ServedEndpoint, folder_settings, run_endpoint, serve_command
from .mail import Inbox
from .network import LOOPBACK
from .ports import free_port
from .repository import Result, git, run_entraide
from .site import ROOT, SiteServer, build_site

MIN_FILL_SECONDS = 1
TERRITORY = ZoneInfo("Europe/Paris")  # the endpoint dates entries and the build publishes them by this day
NOW = dt.datetime.now(TERRITORY).replace(microsecond=0)
TODAY = NOW.date()  # not the machine's (UTC) day: from midnight in Paris to midnight UTC they differ
MODERATORS = "moderation@example.test"

HOSTILE_TITLE = '<img src=x onerror=alert(1)> "{{7*7}}"'
HOSTILE_ID = "test-hostile-000001"
AUTHORED_ID = "test-atelier-000001"
AUTHOR_EMAIL = "auteure.secrete@example.test"
AUTHOR_PHONE = "06 12 34 56 78"
AUTHORED_WITHDRAW_KEY = "cle-de-retrait-de-test-1234567890"
REQUEST_ID = "test-demande-000001"
FIXTURE_COMMUNE = ("38229", "meylan")  # INSEE code, slug: where the handcrafted entries live


@dataclass
class Workspace:
    repo: Path
    env: dict[str, str]  # the endpoint's and the moderators' environment
    keys: KeyPair

    @property
    def submissions(self) -> Path:
        return self.repo / "submissions"

    @property
    def pending(self) -> Path:
        return self.repo / "pending"

    def entraide(self, *args: str) -> Result:
        """The moderators' command, run in the repository as a moderator would."""
        return run_entraide(*args, cwd=self.repo, env=self.env)

    def git(self, *args: str) -> str:
        return git(self.repo, *args)

    def pending_entry(self, title: str) -> Entry:
        """The pending file of that title, once the endpoint's publisher has written it (just after its answer)."""
        deadline = time.monotonic() + 10
        while not (found := self._pending_titled(title)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(found) == 1, f"expected one pending entry titled {title!r}, found {len(found)}"
        return found[0]

    def _pending_titled(self, title: str) -> list[Entry]:
        found = []
        for path in self.pending.rglob("*.yaml"):
            entry, problems = read_entry(path)
            assert not problems, problems
            if entry.title == title:
                found.append(entry)
        return found


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


class StaticSite(SiteServer):
    """A site served on 127.0.0.1 before it is built; `build()` builds `submissions` into a fresh folder and
    serves that one (journeys rebuild it after moderation)."""

    def __init__(self, tmp: Path, submissions: Path | None) -> None:
        super().__init__()
        self.tmp = tmp
        self.submissions = submissions
        self.builds = 0
        self.endpoint_url = ""

    def build(self) -> Path:
        self.builds += 1
        output = self.tmp / f"output-{self.builds}"
        result = build_site(
            self.submissions,
            output,
            build_date=TODAY,
            cache=self.tmp / "cache",
            settings={"ENDPOINT_URL": self.endpoint_url},
            environ={"ENTRAIDE_SITE_URL": self.url},
            quiet=True,
        )
        if result.returncode != 0 or not (output / "index.html").exists():
            pytest.fail(f"the site build failed:\n{result.stdout}\n{result.stderr}")
        self.root = output
        return output


def _endpoint_environ(repo: Path, keys: KeyPair, inbox: Inbox, site_url: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ENTRAIDE_", "GITHUB_"))}
    return {
        **environ,
        "ENTRAIDE_SITE_URL": site_url,
        "ENTRAIDE_BACKEND": "local",
        **folder_settings(repo, keys),
        "ENTRAIDE_MODERATORS_EMAIL": MODERATORS,
        "ENTRAIDE_SMTP_HOST": LOOPBACK,
        "ENTRAIDE_SMTP_PORT": str(inbox.port),
        "ENTRAIDE_MIN_FILL_SECONDS": str(MIN_FILL_SECONDS),
        "ENTRAIDE_RATE_LIMIT_PER_IP": "1000",
        "ENTRAIDE_RATE_LIMIT_GLOBAL": "10000",
        "ENTRAIDE_GEOCODER_URL": "",  # no network: addresses are not geocoded, entries fall back to their commune
    }


@pytest.fixture(scope="session")
def static_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    """The site's server, listening before the build so the endpoint can know the site's address."""
    site = StaticSite(tmp_path_factory.mktemp("site"), submissions=None)
    yield site
    site.close()


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox, static_site: StaticSite) -> Workspace:
    """A git repository like the project's: 150 sample entries plus the handcrafted ones, all active today."""
    repo = tmp_path_factory.mktemp("repo")
    keys = KeyPair.generate()
    for entry in generate(150, seed=7, start=TODAY - dt.timedelta(days=20), lifetime_days=365):
        write_entry(repo / "submissions", entry)
    for entry in handcrafted_entries(keys):
        write_entry(repo / "submissions", entry)
    (repo / ".gitignore").write_text("/pending/\n/reports/\n/outbox/\n/.dev-keys/\n/entraide.db*\n")
    workspace = Workspace(repo, _endpoint_environ(repo, keys, inbox, static_site.url), keys)
    workspace.git("init", "-q", "-b", "main")
    workspace.git("config", "user.name", "Modération Test")
    workspace.git("config", "user.email", "moderation-test@example.test")
    workspace.git("add", "-A")
    workspace.git("commit", "-q", "-m", "Fixture entries")
    static_site.submissions = workspace.submissions
    return workspace


@pytest.fixture(scope="session")
def endpoint_process(tmp_path_factory: pytest.TempPathFactory, workspace: Workspace) -> Iterator[ServedEndpoint]:
    """`python -m entraide.endpoint.serve` with the workspace's settings, as `make serve` runs it."""
    upgraded = workspace.entraide("db", "upgrade")  # as `make serve` does before starting it
    assert upgraded.code == 0, upgraded.err
    port = free_port()
    workspace.env["ENTRAIDE_ENDPOINT_URL"] = f"http://{LOOPBACK}:{port}"  # the alerts' links lead to it
    log = tmp_path_factory.mktemp("endpoint") / "endpoint.log"
    with run_endpoint(serve_command(port), port, workspace.env, workspace.repo, log) as running:
        yield running


@pytest.fixture(scope="session")
def site(static_site: StaticSite, endpoint_process: ServedEndpoint) -> StaticSite:
    """The workspace's site, built with the endpoint's address and served."""
    static_site.endpoint_url = endpoint_process.url
    static_site.build()
    return static_site


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    """The demo site a fresh clone shows: the shipped submissions/ sample set, built as of today."""
    demo = StaticSite(tmp_path_factory.mktemp("demo"), ROOT / "submissions")
    demo.endpoint_url = "http://127.0.0.1:8001"
    demo.build()
    yield demo
    demo.close()
