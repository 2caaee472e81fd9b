"""A throw-away PostgreSQL server: Debian's binaries, a cluster in a temporary folder, stopped and removed after.

`initdb` and the server refuse to run as root, so under root they run as the `postgres` user that Debian's
package creates (through `runuser`); as any other user they run as that user. The server listens on
127.0.0.1 on a free port and on a unix socket inside the folder, with a password: the URLs the tests use are
the ones a deployer writes. Used by the tests (the fixtures below) and by bench/bench_store.py.

`postgres` is one cluster for the whole run; `postgres_url` an empty schema of its own in it for one test;
`database_url` an empty database on each engine in turn (a test taking it runs twice: SQLite in a file, then
PostgreSQL); `store` that database brought up to date, as `entraide db upgrade` does at installation.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from entraide.store import Store, open_store, upgrade

from .network import LOOPBACK
from .ports import free_port

USER = "entraide"
ENGINES = ["sqlite", "postgresql"]


class ClusterUnavailable(RuntimeError):
    """Debian's postgresql package is missing and could not be installed."""


def binaries() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin, installing Debian's package once when it is missing."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parts[4]))
    if not found and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=False, env=_apt_env())
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parts[4]))
    if not found:
        raise ClusterUnavailable("Debian's postgresql package is missing: apt-get install postgresql")
    return Path(found[-1]).parent


def _apt_env() -> dict[str, str]:
    return {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def stop_orphans() -> None:
    """Stop and remove clusters whose test run was killed before it could stop them."""
    for folder in Path(tempfile.gettempdir()).glob("entraide-pg-*"):
        started_by = folder / "started-by"
        if not started_by.exists() or _alive(int(started_by.read_text() or 0)):
            continue
        if (folder / "data" / "postmaster.pid").exists():
            owner = folder.stat().st_uid
            command = [str(binaries() / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"]
            if os.geteuid() == 0 and owner != 0:
                command = ["runuser", "-u", pwd.getpwuid(owner).pw_name, "--", *command]
            subprocess.run(command, capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether a process runs (a killed one waiting to be reaped, a zombie, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return pid > 0 and state != "Z"


class Cluster:
    """`with Cluster(durable=False) as cluster: cluster.create_database("x")` gives a postgresql:// URL."""

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable  # False: fsync off, for tests; True: the settings a real server runs with
        self.bin = binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="entraide-pg-"))
        self.data = self.folder / "data"
        self.password = secrets.token_urlsafe(12)
        self.port = free_port()
        self.owner = "postgres" if os.geteuid() == 0 else ""

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}:{self.password}@{LOOPBACK}:{self.port}/{database}"

    def start(self) -> None:
        stop_orphans()
        (self.folder / "started-by").write_text(str(os.getpid()))
        if self.owner:
            entry = pwd.getpwnam(self.owner)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        password_file = self.folder / "password"
        password_file.write_text(self.password)
        if self.owner:
            os.chown(password_file, pwd.getpwnam(self.owner).pw_uid, -1)
        self._run(
            "initdb", "-D", str(self.data), "-U", USER, "--auth-local=trust", "--auth-host=scram-sha-256",
            f"--pwfile={password_file}", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = f"-c listen_addresses={LOOPBACK} -p {self.port} -k {self.folder} -c max_connections=100"
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def create_database(self, name: str) -> str:
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE DATABASE cannot run inside one)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            connection.execute(statement)

    def _run(self, program: str, *args: str) -> str:
        command = [str(self.bin / program), *args]
        if self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder, check=False)
        if done.returncode:
            log = self.folder / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")
        return done.stdout


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    try:
        cluster = Cluster()
    except ClusterUnavailable as missing:
        pytest.fail(str(missing))
    with cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres: Cluster) -> Iterator[str]:
    """An empty schema of its own in the cluster, as the URL's search path."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    postgres.sql(f"CREATE SCHEMA {schema}")
    yield f"{postgres.url()}?options=-csearch_path%3D{schema}"
    postgres.sql(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/entraide.db"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(database_url)
    upgrade(opened)
    yield opened
    opened.close()
