"""A crisis launch reaching the moderators: 2,000 entries filed within one hour, one pull request each next to
batched pull requests, through the fake GitHub enforcing its published limits (`python -m bench batches`).

The intake bench (`bench_intake.py`) measures residents' answers; this one measures what follows the queue.
Residents of the 49 communes (in proportion to their population) file entries through the core intake at
uniform random times over one hour, on SQLite. The publisher runs as the endpoint runs it, after each
submission, and as the scheduled function does, every minute for up to 50 s, sleeping through the waits
between batches. Every write is counted in the store for every instance, as in production, and the fake
GitHub (real HTTP on 127.0.0.1, a sample of exchanges checked against GitHub's contract) refuses what
GitHub's secondary limits would: 80 writes a minute, 500 an hour, 900 points a minute per endpoint.

Time is virtual (a discrete-event simulation): a run's waits for GitHub move the clock, and a scheduled run's
sleep is an event of its own. Publishers run beside the endpoint in production, so that a publisher waiting
for GitHub holds up no resident: here every run stops when the next resident is due (checked after each
entry or batch, so a resident comes at most one entry's waits late, a few seconds) and the next run goes on.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import logging
import os
import random
import re
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entraide.backends.github import Batching, GitHubBackend
from entraide.communes import load_communes
from entraide.config import Config
from entraide.intake import Intake
from entraide.publisher import publish
from entraide.sealing import KeyPair
from entraide.store import open_store, upgrade
from tests.forge.fake_github import FakeGitHub, PublishedLimits

ARRIVALS = int(os.environ.get("ENTRAIDE_BENCH_ARRIVALS", "2000"))
HOUR = 3600.0
CRON_SECONDS = 60.0
CRON_RUN_SECONDS = 50.0  # a scheduled function's time per invocation (10 s kept for itself)
HORIZON = 24 * HOUR
SEED = 10
TOKEN = "bench-token"
REPOSITORY = "metropole/entraide"
CONTRACT_CHECKS = 25
LISTED = re.compile(r"Identifiant : `([a-z0-9-]+)`")
DEFAULTS = Config.from_environ({})
BATCHING = Batching(DEFAULTS.batch_threshold, DEFAULTS.batch_size)  # the settings' defaults
DESIGNS = (
    ("one pull request per entry", None),
    (f"batches (above {BATCHING.threshold} waiting, up to {BATCHING.size})", BATCHING),
)


class VirtualClock:
    """One clock for the store, the publisher, the forge's throttle and the fake GitHub's limits."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Figures:
    design: str
    filed: dict[str, float]  # entry id → when filed (virtual)
    reached: dict[str, float]  # entry id → when it first reached the moderators (its pull request opened)
    doubled: int  # entries in more than one pull request
    pulls: int
    writes: int
    refused: int  # requests GitHub refused (403 secondary limit)
    violations: list[str]
    wall_s: float


def residents(rng: random.Random) -> list[tuple[float, str]]:
    """(when, INSEE code) for each resident: uniform times, communes weighted by population."""
    communes = list(load_communes())
    weights = [commune.population for commune in communes]
    codes = rng.choices([commune.code for commune in communes], weights, k=ARRIVALS)
    return sorted(zip((rng.uniform(0, HOUR) for _ in range(ARRIVALS)), codes, strict=True))


def form(number: int, code: str) -> dict[str, str]:
    return {
        "kind": "offer" if number % 3 else "request",
        "category": "groceries",
        "commune": code,
        "title": f"Courses du samedi, voisin n° {number}",
        "description": "Je fais les courses du quartier le samedi matin et je les dépose devant votre porte.",
        "name": "Camille",
        "phone": "06 12 34 56 78",
        "consent": "on",
    }


def simulate(design: str, batching: Batching | None, folder: Path, keys: KeyPair) -> Figures:
    started = time.perf_counter()
    origin = dt.datetime.combine(dt.date.today(), dt.time(5), dt.UTC).timestamp()
    clock = VirtualClock(origin)
    store = open_store(f"sqlite:///{folder}/entraide.db")
    upgrade(store)
    fake = FakeGitHub(token=TOKEN, files={"submissions/grenoble/.gitkeep": ""}, checks_per_operation=CONTRACT_CHECKS)
    fake.limits = PublishedLimits(clock)
    opened: list[tuple[float, Any]] = []
    fake.on_request = lambda exchange: opened.append((clock.now, exchange))
    fake.start()
    config = Config.from_environ({"ENTRAIDE_GEOCODER_URL": ""})
    intake = Intake(config, keys, store, secret=b"bench secret, not a real one", clock=clock)

    def run(deadline: float = float("inf")) -> float:
        backend = GitHubBackend(
            REPOSITORY, TOKEN, api_url=fake.url, clock=clock, wall=clock, shared=store.forge_writes, batching=batching
        )
        due = min((at for at, _, kind, _ in events if kind == "resident"), default=float("inf"))
        return publish(store, backend, clock=clock, deadline=min(deadline, due), batch=1).paused

    filed: dict[str, float] = {}
    events: list[tuple[float, int, str, Any]] = []
    order = itertools.count()
    for number, (at, code) in enumerate(residents(random.Random(SEED))):
        heapq.heappush(events, (origin + at, next(order), "resident", (number, code)))
    heapq.heappush(events, (origin, next(order), "cron", origin + CRON_RUN_SECONDS))
    while events and clock.now < origin + HORIZON:
        at, _, kind, what = heapq.heappop(events)
        clock.now = max(clock.now, at)
        if kind == "resident":
            receipt = intake.file(form(*what))
            filed[receipt.entry.id] = clock.now
            run()  # the endpoint hands the queue over after answering (no waiting: it would hold a thread)
            continue
        if what == at + CRON_RUN_SECONDS:  # a new minute, not a run waking up: the next minute's is due too
            heapq.heappush(events, (at + CRON_SECONDS, next(order), "cron", at + CRON_SECONDS + CRON_RUN_SECONDS))
        paused = run(deadline=what)  # a scheduled run: sleeps through waits that end before its deadline
        if paused and clock.now + paused < what:
            heapq.heappush(events, (clock.now + paused, next(order), "cron", what))
        if not store.queue.stats(clock.now).waiting and all(kind == "cron" for _, _, kind, _ in events):
            break
    fake.stop()
    reached, holders = _reached(opened)
    return Figures(
        design,
        filed,
        reached,
        sum(1 for count in holders.values() if count > 1),
        len(fake.pulls),
        sum(1 for _, exchange in opened if exchange.method != "GET" and exchange.status in (200, 201)),
        fake.limits.refused,
        fake.violations[:5],
        time.perf_counter() - started,
    )


def _reached(opened: list[tuple[float, Any]]) -> tuple[dict[str, float], Counter]:
    """When each entry's pull request was opened, and how many pull requests hold each entry."""
    reached: dict[str, float] = {}
    holders: Counter = Counter()
    for at, exchange in opened:
        if exchange.method == "POST" and exchange.template.endswith("/pulls") and exchange.status == 201:
            body = exchange.json()
            ids = LISTED.findall(body.get("body") or "") or [body["head"].removeprefix("entraide/")]
            for entry_id in ids:
                reached.setdefault(entry_id, at)
                holders[entry_id] += 1
    return reached, holders


def report(results: list[Figures]) -> None:
    rows = {
        "entries filed within the hour": lambda f: f"{len(f.filed):,}",
        "reached moderators within the first hour": lambda f: f"{_within(f, HOUR):,}",
        "reached moderators within 2 hours": lambda f: f"{_within(f, 2 * HOUR):,}",
        "last entry reached moderators after": lambda f: f"{_last(f) / HOUR:.2f} h",
        "entries reaching moderators per hour (all ÷ last)": lambda f: f"{len(f.reached) / (_last(f) / HOUR):,.0f}",
        "wait from filing to pull request, median / p90": lambda f: _waits(f),
        "pull requests opened / GitHub writes": lambda f: f"{f.pulls:,} / {f.writes:,}",
        "requests GitHub refused (goal 0)": lambda f: str(f.refused),
        "entries lost / doubled (goal 0 / 0)": lambda f: f"{len(set(f.filed) - set(f.reached))} / {f.doubled}",
        "contract violations (sampled)": lambda f: str(len(f.violations)),
        "simulation wall time": lambda f: f"{f.wall_s:.0f} s",
    }
    print(f"| {ARRIVALS:,} entries in one hour | " + " | ".join(f.design for f in results) + " |")
    print("|---" * (len(results) + 1) + "|")
    for label, value in rows.items():
        print(f"| {label} | " + " | ".join(value(f) for f in results) + " |")
    for figures in results:
        for violation in figures.violations:
            print(f"  {figures.design}: {violation}")


def _within(f: Figures, seconds: float) -> int:
    start = min(f.filed.values())
    return sum(1 for at in f.reached.values() if at - start <= seconds)


def _last(f: Figures) -> float:
    return max(f.reached.values()) - min(f.filed.values())


def _waits(f: Figures) -> str:
    waits = sorted((f.reached[e] - t) / 60 for e, t in f.filed.items() if e in f.reached)
    return f"{statistics.median(waits):.0f} / {waits[int(0.9 * (len(waits) - 1))]:.0f} min"


def main() -> None:
    logging.getLogger("entraide").setLevel(logging.CRITICAL)  # thousands of expected "GitHub cannot take it now"
    print(f"load average at start: {' / '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    keys = KeyPair.generate()
    results = []
    for design, batching in DESIGNS:
        with tempfile.TemporaryDirectory(prefix="entraide-bench-batches-") as folder:
            results.append(simulate(design, batching, Path(folder), keys))
            print(f"  {design}: done in {results[-1].wall_s:.0f} s", flush=True)
    report(results)
    print(f"load average at end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
