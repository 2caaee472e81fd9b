"""A crisis launch: 2,000 residents within one hour, the intake before the queue and the intake of today.

For each setup (4 endpoint processes sharing one PostgreSQL; 1 process on SQLite) and each design, real
endpoint processes under waitress (`bench/intake_endpoint.py`) receive real HTTP submissions and hand them
to one fake GitHub (`tests/forge/fake_github.py`) that enforces GitHub's published secondary limits:

- inline (the design before the queue, commit af7740e): `/submit` calls `backend.submit` within the request;
  when GitHub's limits are reached the resident gets 503 + Retry-After; each process counts the limits alone.
- queue (today): `/submit` answers once the entry is queued in the store; a publisher (in the endpoint after
  it answers, and `entraide publish` as a cron job every minute, here `publisher.publish` in this process)
  hands entries to GitHub within the limits, counted in the store for every process together.

Time is virtual for everything that waits: a clock shared by every process (`bench/shared_clock.py`) runs
FACTOR times faster than real time while residents arrive (the hour takes a minute), then stands still
and moves only by the waits (a discrete-event simulation) while the remaining retries and the publisher run.
A refused resident comes back after the Retry-After it was given, TRIES times in all, then gives up.
Latency is measured in real time, the request's own waits for GitHub's limits counted at their virtual length.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
import logging
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.bench_endpoint import FORM
from bench.shared_clock import SharedClock
from entraide.backends.github import PULLS, SUBMIT_WRITES, GitHubBackend
from entraide.publisher import LEASE, publish
from entraide.sealing import KeyPair
from entraide.store import StoreUnavailable, open_store, upgrade
from tests.forge.fake_github import WRITES, FakeGitHub, PublishedLimits
from tests.harness.ports import free_port
from tests.harness.postgres import Cluster

ROOT = Path(__file__).resolve().parents[1]
ARRIVALS = 2000
HOUR = 3600.0
FACTOR = 60.0  # virtual seconds per real second while residents arrive
TRIES = 3  # a refused resident tries this many times in all, each after the Retry-After it was told
CRON_SECONDS = 60.0  # `entraide publish` every minute
WARM_THREADS = 8  # waitress threads per endpoint process (bench/intake_endpoint.py)
SENDERS = 64  # residents being answered at once, at most (each on its own connection)
HORIZON = 48 * HOUR  # the simulation stops there, whatever is left
CONTRACT_CHECKS = 25  # exchanges checked against GitHub's contract per operation and status (the tests check all)
SEED = 9
START_SECONDS = 60
TOKEN = "bench-token"
REPOSITORY = "metropole/entraide"
SITE = "http://site.bench"
PRIMARY_LIMIT = 5000  # GitHub's primary limit: requests an hour per token (not enforced by the fake)
SETUPS = (("PostgreSQL", 4), ("SQLite", 1))
PROCESSES_CONTEXT = multiprocessing.get_context("spawn")
DESIGNS = (("inline", "before the queue (inline)"), ("queue", "today (queue)"))


def origin() -> float:
    """06:00 today in Grenoble: the launch. Entry ids hold the day: a retry stays on the same day (and id)."""
    today = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
    return dt.datetime.combine(today, dt.time(6), ZoneInfo("Europe/Paris")).timestamp()


@dataclass(frozen=True)
class Load:
    residents: int
    span: float  # virtual seconds over which they arrive
    factor: float  # virtual seconds per real second while they arrive
    tries: int  # a refused resident tries this many times in all
    finish: bool  # then run every retry and the publisher until the last entry is in a pull request


LAUNCH = Load(ARRIVALS, HOUR, FACTOR, TRIES, finish=True)
BURST = Load(40, 8.0, 1.0, 1, finish=False)  # real time: 5 submissions a second, the publishers at work


@dataclass(order=True)
class Event:
    at: float
    order: int
    resident: int = field(compare=False)
    attempt: int = field(compare=False, default=0)


@dataclass
class Answer:
    resident: int
    sent_at: float  # virtual
    late: float  # virtual seconds after the resident's time: the benchmark's own lag
    status: int  # 0: no answer (connection refused or reset)
    latency_ms: float
    entry_id: str


@dataclass
class Outcome:
    design: str
    answers: list[Answer]
    first_try: dict[int, float]  # resident → when they first tried (virtual)
    wall_s: float
    origin: float
    pull_times: dict[str, float]  # entry id → when its pull request was opened (virtual)
    pulls_per_entry: Counter
    refused_by_github: int
    refused_while_running: int  # of which while time ran (compressed), not once it stood still
    record_held: list[int]  # for each refused write, the writes the shared record held in GitHub's hour
    unlabelled: int  # pull requests without labels: moderators filter by their commune's label
    cron_failed: int  # `entraide publish` runs that failed, the database busy
    github_requests: list[float]  # when each request reached GitHub (virtual)
    violations: list[str]


class Scenario:
    """One design on one database with N endpoint processes, from the first resident to the last pull request."""

    def __init__(self, design: str, load: Load, url: str, processes: int, folder: Path, keys: KeyPair) -> None:
        self.design, self.load, self.url, self.folder = design, load, url, folder
        self.origin = origin()
        self.clock = SharedClock.create(folder / "clock", self.origin)
        self.store = open_store(url)
        upgrade(self.store)
        self.keys, self.processes = keys, processes
        self.endpoints: list[tuple[subprocess.Popen, int]] = []
        self.answers: list[Answer] = []
        self.first_try: dict[int, float] = {}
        self.events: list[Event] = []
        self.order = itertools.count()
        self.lock = threading.Condition()
        self.in_flight = 0

    # Running

    def run(self) -> Outcome:
        started = time.perf_counter()
        self.forge, theirs = PROCESSES_CONTEXT.Pipe()
        forge = PROCESSES_CONTEXT.Process(target=run_forge, args=(self.clock.path, self.url, theirs), daemon=True)
        forge.start()
        self.github_url = self.forge.recv()
        try:
            self._start_endpoints()
            draw = random.Random(SEED)
            arrivals = sorted(draw.uniform(0, self.load.span) for _ in range(self.load.residents))
            for resident, at in enumerate(arrivals):
                self._schedule(self.origin + at, resident, 0)
            self.clock.run(self.load.factor)
            self._ask("cron")
            self._arrivals()
            self._ask("stop")
            if self.load.finish:
                self._wait_for_publishers()
                self.clock.stop()
                self._retries()
                self._ask("drain")
        finally:
            self._stop_endpoints()
        github = self._ask("report")
        forge.join(timeout=60)
        if github["violations"]:
            raise SystemExit("the fake GitHub saw contract violations:\n" + "\n".join(github["violations"]))
        return Outcome(self.design, self.answers, self.first_try, time.perf_counter() - started, self.origin, **github)

    def _ask(self, command: str) -> object:
        self.forge.send((command, self.design))
        return self.forge.recv()

    def _arrivals(self) -> None:
        """Residents sent as their time comes, at once (threads), until the hour is over and all are answered."""
        with ThreadPoolExecutor(max_workers=SENDERS) as pool, self.lock:
            while True:
                now = self.clock.now()
                if self.events and self.events[0].at <= now:
                    event = heapq.heappop(self.events)
                    self.in_flight += 1
                    pool.submit(self._send_counted, event.resident, event.attempt, event.at)
                elif now >= self.origin + self.load.span and not self.in_flight:
                    break
                else:
                    due = self.events[0].at - now if self.events else 1.0
                    self.lock.wait(timeout=min(max(due / self.load.factor, 0.001), 0.05))

    def _retries(self) -> None:
        """Time stands still but for waits: the retries left, one resident at a time."""
        while self.events and self.events[0].at <= self.origin + HORIZON:
            event = heapq.heappop(self.events)
            self.clock.advance(event.at)
            self._send(event.resident, event.attempt, event.at)

    def _wait_for_publishers(self) -> None:
        """Before time stands still: no endpoint process may still be publishing (its waits would move time)."""
        quiet = 0
        while quiet < 3:
            quiet = quiet + 1 if self.store.leases.holder(LEASE, self.clock.now()) is None else 0
            time.sleep(0.1)

    # Residents

    def _schedule(self, at: float, resident: int, attempt: int) -> None:
        heapq.heappush(self.events, Event(at, next(self.order), resident, attempt))

    def _send_counted(self, resident: int, attempt: int, due: float) -> None:
        try:
            self._send(resident, attempt, due)
        finally:
            with self.lock:
                self.in_flight -= 1
                self.lock.notify()

    def _send(self, resident: int, attempt: int, due: float) -> None:
        """One resident's submission (a retry goes wherever the load balancer sends it); a refusal is retried."""
        port = self.endpoints[(resident + attempt) % len(self.endpoints)][1]
        form = {**FORM, "title": f"Courses du samedi n° {resident}", "submission_id": f"launch-{resident:06d}"}
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Origin": SITE,
            "X-Forwarded-For": f"100.{64 + resident // 65536}.{resident // 256 % 256}.{resident % 256}",
        }
        sent_at = self.clock.now()
        self.first_try.setdefault(resident, sent_at)
        started = time.perf_counter()
        status, entry_id, retry_after, waited = 0, "", 60.0, (0.0, 0.0)
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=300)
            connection.request("POST", "/submit", json.dumps(form), headers)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            status = response.status
            waited = tuple(float(value) for value in response.getheader("X-Bench-Forge-Wait", "0 0").split())
            retry_after = float(response.getheader("Retry-After") or 60)
            entry_id = json.loads(body).get("id", "") if 200 <= status < 300 else ""
        except OSError:
            pass
        latency_ms = (time.perf_counter() - started - waited[1] + waited[0]) * 1000
        with self.lock:
            self.answers.append(Answer(resident, sent_at, sent_at - due, status, latency_ms, entry_id))
            if not 200 <= status < 300 and attempt + 1 < self.load.tries:
                self._schedule(sent_at + max(retry_after, 1.0), resident, attempt + 1)
                self.lock.notify()

    # Endpoint processes

    def _start_endpoints(self) -> None:
        environ = {**os.environ, **self._settings(), "PYTHONPATH": str(ROOT)}
        for number in range(self.processes):
            if self.design == "inline":  # before the store, each process kept its limits to itself
                environ["ENTRAIDE_DATABASE_URL"] = f"sqlite:///{self.folder}/endpoint-{number}.db"
                upgrade(open_store(environ["ENTRAIDE_DATABASE_URL"]))
            port = free_port()
            log = open(self.folder / f"endpoint-{number}.log", "w")  # noqa: SIM115 - closed with the process
            command = [sys.executable, "-m", "bench.intake_endpoint", str(self.clock.path), str(port), self.design]
            process = subprocess.Popen(command, env=environ, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            self.endpoints.append((process, port))
        for process, port in self.endpoints:
            self._wait_for_health(process, port)
        self._warm_up()

    def _warm_up(self) -> None:
        """A deployment has been up for a while: every thread of every process has its database connection."""

        def health(port: int) -> None:
            connection = HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", "/health")
            connection.getresponse().read()

        ports = [port for _, port in self.endpoints] * 2 * WARM_THREADS
        with ThreadPoolExecutor(max_workers=len(ports)) as pool:
            list(pool.map(health, ports))

    def _wait_for_health(self, process: subprocess.Popen, port: int) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"an endpoint process stopped at start; see {self.folder}/endpoint-*.log")
            try:
                connection = HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"no endpoint on port {port} after {START_SECONDS} s")

    def _stop_endpoints(self) -> None:
        for process, _ in self.endpoints:
            process.terminate()
        for process, _ in self.endpoints:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def _settings(self) -> dict[str, str]:
        return {
            "ENTRAIDE_SITE_URL": SITE,
            "ENTRAIDE_BACKEND": "github",
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_API_URL": self.github_url,
            "ENTRAIDE_DATABASE_URL": self.url,
            "ENTRAIDE_PRIVATE_KEY": self.keys.private,
            "ENTRAIDE_TOKEN_SECRET": "bench secret shared by every instance",
            "ENTRAIDE_MIN_FILL_SECONDS": "0",
            "ENTRAIDE_TRUST_FORWARDED_FOR": "true",
            "ENTRAIDE_GEOCODER_URL": "",
            "ENTRAIDE_SMTP_HOST": "",
            "ENTRAIDE_OUTBOX_PATH": str(self.folder / "outbox"),
            "ENTRAIDE_PENDING_PATH": str(self.folder / "pending"),
            "ENTRAIDE_PUBLISH_AFTER_SUBMIT": "true" if self.design == "queue" else "false",
            "ENTRAIDE_LOG_LEVEL": "ERROR",
        }


# The forge's side, in a process of its own so that it never slows the residents' side down: the fake GitHub,
# and `entraide publish` as a cron job (queue design), on the shared clock.


def run_forge(clock_path: Path, database_url: str, connection: Any) -> None:
    logging.getLogger("entraide").setLevel(logging.ERROR)  # thousands of expected "GitHub cannot take it now"
    clock = SharedClock(clock_path)
    fake = FakeGitHub(token=TOKEN, files={"submissions/grenoble/.gitkeep": ""}, checks_per_operation=CONTRACT_CHECKS)
    store = open_store(database_url)
    fake.limits = WatchedLimits(clock, store)
    seen: list[tuple[float, Any]] = []
    fake.on_request = lambda exchange: seen.append((clock.now(), exchange))
    fake.start()
    connection.send(fake.url)
    cron = Cron(store, fake.url, clock)
    while True:
        command, design = connection.recv()
        if command == "cron" and design == "queue":
            cron.start()
        elif command == "stop":
            cron.stop()
        elif command == "drain":
            seen.append((clock.now(), None))  # time stands still from here on
            if design == "queue":
                cron.drain()
        elif command == "report":
            fake.stop()
            connection.send({**github_figures(fake, seen), "cron_failed": cron.failed})
            return
        connection.send(None)


class WatchedLimits(PublishedLimits):
    """GitHub's limits, noting for each refused write how many writes the shared record held in GitHub's hour."""

    def __init__(self, clock: SharedClock, store: Any) -> None:
        super().__init__(clock.now)
        self.store = store
        self.record_held: list[int] = []

    def refuse(self, method: str, template: str) -> float | None:
        wait = super().refuse(method, template)
        if wait is not None and method in WRITES:
            self.record_held.append(self.store.forge_writes.writes_since(self.clock() - HOUR))
        return wait


class Cron:
    """`entraide publish` every CRON_SECONDS: in a thread while time runs, one run after another once it stands."""

    def __init__(self, store: Any, api_url: str, clock: SharedClock) -> None:
        self.store, self.api_url, self.clock = store, api_url, clock
        self.running = False
        self.thread: threading.Thread | None = None
        self.failed = 0

    def start(self) -> None:
        self.running = True
        self.thread = threading.Thread(target=self._every_minute, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.running = False
        if self.thread:
            self.thread.join()

    def drain(self) -> None:
        tick, last = self.clock.now(), self.clock.now() + HORIZON
        while self.store.queue.stats(self.clock.now()).waiting and tick < last:
            tick = max(tick + CRON_SECONDS, self.clock.now())
            self.clock.advance(tick)
            self.publish()

    def publish(self) -> None:
        """A fresh process each time, so a fresh backend: the limits are counted in the store. A run that fails
        (the database busy) is a cron job that failed: the next minute's runs again."""
        backend = GitHubBackend(
            REPOSITORY, TOKEN, api_url=self.api_url, clock=self.clock, wall=self.clock, shared=self.store.forge_writes
        )
        try:
            publish(self.store, backend, clock=self.clock)
        except StoreUnavailable:
            self.failed += 1

    def _every_minute(self) -> None:
        tick = self.clock.now()
        while self.running:
            self.publish()
            tick += CRON_SECONDS
            while self.running and self.clock.now() < tick:
                time.sleep(0.01)


def github_figures(fake: FakeGitHub, seen: list[tuple[float, Any]]) -> dict[str, Any]:
    pull_times: dict[str, float] = {}
    refused_while_running, running = 0, True
    for at, exchange in seen:
        if exchange is None:
            running = False
        elif exchange.method == "POST" and exchange.template == PULLS and exchange.status == 201:
            pull_times.setdefault(exchange.json()["head"].removeprefix("entraide/"), at)
        elif exchange.status == 403 and running:
            refused_while_running += 1
    seen = [(at, exchange) for at, exchange in seen if exchange is not None]
    return {
        "pull_times": pull_times,
        "pulls_per_entry": Counter(pull.head.removeprefix("entraide/") for pull in fake.pulls),
        "refused_by_github": fake.limits.refused,
        "refused_while_running": refused_while_running,
        "record_held": fake.limits.record_held,
        "unlabelled": sum(1 for pull in fake.pulls if not pull.labels),
        "github_requests": sorted(at for at, _ in seen),
        "violations": fake.violations[:10],
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def busiest_hour(times: list[float]) -> int:
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - HOUR:
            start += 1
        most = max(most, end - start + 1)
    return most


def refusals(outcome: Outcome) -> str:
    """How many, and when; with the shared record, how many other writes it held in the refused write's hour:
    under 500, GitHub counted a write of that hour later than the record did (while time ran x60, 50 ms of
    real delay was 3 virtual seconds), and the refusal comes from the benchmark's compressed time."""
    shown = f"{outcome.refused_by_github} ({outcome.refused_while_running} while time ran x{FACTOR:.0f})"
    if outcome.design == "queue" and outcome.record_held:
        shown += f"; record: {max(outcome.record_held) - 1} other writes that hour"
    return shown


def latency(answers: list[Answer]) -> str:
    milliseconds = [answer.latency_ms for answer in answers]
    refused = sum(1 for answer in answers if not 200 <= answer.status < 300)
    shown = f"{statistics.median(milliseconds):.0f} / {percentile(milliseconds, 0.99):.0f} ms"
    return shown + (f" ({refused} refused)" if refused else "")


def figures(outcome: Outcome, burst: Outcome) -> dict[str, str]:
    """The figures issue 9 asks for, as printed, for one design: the launch's, and the burst's latency."""
    answers = outcome.answers
    ok = [a for a in answers if 200 <= a.status < 300]
    accepted = {a.entry_id: a.resident for a in ok}
    refused = {a.resident for a in answers if not 200 <= a.status < 300}
    gave_up = {a.resident for a in answers} - {a.resident for a in ok}
    statuses = Counter(a.status for a in answers)
    lost = [entry for entry in accepted if outcome.pulls_per_entry[entry] == 0]
    doubled = sum(count - 1 for count in outcome.pulls_per_entry.values() if count > 1)
    unasked = [entry for entry in outcome.pulls_per_entry if entry not in accepted]
    times_of = outcome.pull_times
    times = sorted(times_of.values())
    last_h = (times[-1] - outcome.origin) / HOUR if times else float("nan")
    waits = [(times_of[e] - outcome.first_try[r]) / 60 for e, r in accepted.items() if e in times_of]
    return {
        "residents refused at least once (goal 0)": f"{len(refused)} of {ARRIVALS}",
        "residents who gave up after 3 refusals": str(len(gave_up)),
        "answers: 2xx / 503 / 429 / other": (
            f"{len(ok)} / {statuses[503]} / {statuses[429]} / {len(answers) - len(ok) - statuses[503] - statuses[429]}"
        ),
        "submit latency p50 / p99 (goal p99 < 300 ms)": latency(burst.answers),
        "  the same during the compressed hour": latency(answers),
        "entries accepted": str(len(accepted)),
        "entries lost (accepted, in no pull request)": str(len(lost)),
        "entries doubled (a second pull request)": str(doubled),
        "pull requests of residents never told 'received'": str(len(unasked)),
        "requests GitHub refused (403, secondary limits)": refusals(outcome),
        "pull requests without labels": str(outcome.unlabelled),
        "`entraide publish` runs failed, database busy": str(outcome.cron_failed) if outcome.design == "queue" else "-",
        "GitHub requests: total / busiest hour": (
            f"{len(outcome.github_requests)} / {busiest_hour(outcome.github_requests)} (primary limit {PRIMARY_LIMIT})"
        ),
        "last entry in a pull request after": f"{last_h:.1f} h",
        "entries reaching moderators per hour": (
            f"{len(times) / last_h:.0f} overall, {sum(t < outcome.origin + HOUR for t in times)} in the first hour"
            if times
            else "0"
        ),
        "from first try to pull request: median / p90": (
            f"{percentile(waits, 0.5):.0f} / {percentile(waits, 0.9):.0f} min" if waits else "-"
        ),
        "residents sent late by the benchmark: p99 / max": (
            f"{percentile([a.late for a in answers], 0.99):.0f} / {max(a.late for a in answers):.0f} virtual s"
        ),
        "wall time": f"{outcome.wall_s:.0f} s",
    }


def report(setup: str, columns: list[tuple[str, dict[str, str]]]) -> None:
    names = dict(DESIGNS)
    width = max(len(name) for name in columns[0][1])
    print(f"\n{setup}")
    print(f"  {'':<{width}}  " + "  ".join(f"{names[design]:<36}" for design, _ in columns))
    for name in columns[0][1]:
        print(f"  {name:<{width}}  " + "  ".join(f"{figures[name]:<36}" for _, figures in columns))


def configuration() -> None:
    print(
        f"Launch: {ARRIVALS} residents arriving within one hour (uniform random times, seed {SEED}), each a JSON "
        "/submit from its own address (X-Forwarded-For), phone contact, no geocoder, no mail; a refused resident "
        f"comes back after the Retry-After it was told, {TRIES} tries in all. Virtual time x{FACTOR:.0f} while "
        "they arrive (the hour takes a minute: the endpoints get 33 submissions a second, and a publisher's work "
        "is 60 times denser than in reality), then stepped until the last entry is in a pull request."
    )
    print(
        f"Latency: a burst of {BURST.residents} residents within {BURST.span:.0f} s in real time (5 a second, "
        "9 times the launch's average rate; first tries only), publishers at work, on a fresh database; the same "
        "figure measured during the compressed hour follows, for comparison. A request's own waits for GitHub's "
        "limits count at their virtual length. While time runs x60, 50 ms of network delay is 3 virtual s: "
        "GitHub's windows may then see a write a little later than the throttle counted it; and a process of "
        "the benchmark held up a few real seconds delivers minutes of residents at once, which the global rate "
        "limit (300 a minute, in virtual minutes) may refuse: see 'sent late'."
    )
    print(
        "Endpoint processes: waitress, 8 threads, the limits of python -m entraide.endpoint.serve, default "
        "settings otherwise (10 POSTs/min per client, 300/min in all). One fake GitHub on 127.0.0.1 enforcing "
        "80 writes/min, 500/hour, 900 points/min per endpoint (its first "
        f"{CONTRACT_CHECKS} exchanges of each operation checked against GitHub's contract); {SUBMIT_WRITES} writes "
        f"per pull request. Inline design: each process keeps its rate limits and GitHub's count to itself, as "
        "before the store (its own SQLite file). Queue design: one database for all, publishing in each "
        "endpoint after it answers, and `entraide publish` "
        f"every {CRON_SECONDS:.0f} virtual s. PostgreSQL: Debian's server, throw-away cluster, fsync on, TCP "
        f"with a password; SQLite: WAL, synchronous=FULL. {os.cpu_count()} CPUs, shared with other work; "
        f"load average before: {os.getloadavg()[0]:.1f}."
    )


def measure(design: str, load: Load, engine: str, processes: int, folder: Path, postgres: Cluster) -> Outcome:
    """One run on a database of its own: a file for SQLite, a new database in the cluster for PostgreSQL."""
    name = f"{engine}-{design}-{load.residents}".lower()
    where = folder / name
    where.mkdir()
    url = postgres.create_database(name.replace("-", "_")) if engine == "PostgreSQL" else f"sqlite:///{where}/e.db"
    outcome = Scenario(design, load, url, processes, where, KeyPair.generate()).run()
    print(f"  ({name}: {outcome.wall_s:.0f} s of wall time; load average {os.getloadavg()[0]:.1f})", flush=True)
    return outcome


def main() -> None:
    logging.getLogger("entraide").setLevel(logging.ERROR)
    configuration()
    with tempfile.TemporaryDirectory(prefix="entraide-bench-intake-") as folder, Cluster(durable=True) as postgres:
        for engine, processes in SETUPS:
            columns = []
            for design, _ in DESIGNS:
                burst = measure(design, BURST, engine, processes, Path(folder), postgres)
                launch = measure(design, LAUNCH, engine, processes, Path(folder), postgres)
                columns.append((design, figures(launch, burst)))
            noun = "processes" if processes > 1 else "process"
            report(f"{processes} endpoint {noun}, {engine}:", columns)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
