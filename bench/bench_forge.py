"""The github backend against the fake forge enforcing GitHub's published secondary limits.

Residents arrive faster than GitHub lets a token create content; each one whose submission is refused with
ForgeUnavailable comes back after its Retry-After with the same idempotency key, as the form does. Time is
virtual (the backend's throttle and the fake's limits share one clock that moves on sleeps and arrivals), so
hours of traffic take seconds; the HTTP, the JSON and the contract checks are real. Printed: submissions per
hour sustained, and that every resident ends with exactly one pull request (none lost, none doubled), for the
self-throttled backend and, side by side, for a naive one that only reacts to GitHub's 403 answers.
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
import time

from entraide.backends import ForgeUnavailable
from entraide.backends.github import SUBMIT_WRITES, GitHubBackend
from entraide.entries import Entry
from entraide.forge import Limits
from tests.forge.fake_github import FakeGitHub, PublishedLimits

TOKEN = "bench-token"
DEMAND_PER_HOUR = 250
HOURS = 2
CONTRACT_CHECKS = 25  # exchanges checked against the contract per operation and status (the tests check all)
UNLIMITED = Limits(writes_per_minute=10**9, writes_per_hour=10**9, points_per_minute=10**9, write_interval_seconds=0)


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclasses.dataclass
class Outcome:
    name: str
    accepted: int
    accepted_in_demand_window: int
    pull_requests: int
    distinct_branches: int
    unavailable: int
    refused_by_github: int
    drained_after_h: float
    median_delay_min: float
    p90_delay_min: float
    requests: int
    writes: int
    wall_s: float


def resident_entry(number: int) -> Entry:
    return Entry(
        id=f"meylan-20260320-{number:08x}",
        kind="offer",
        category="groceries",
        commune="38229",
        title=f"Courses du samedi n° {number}",
        description="Je fais les courses du samedi pour mes voisins.",
        name="Marie",
        created="2026-03-20T09:30:00+01:00",
        expires="2026-04-19",
        contact="sealed:v1:000000000000000000000000:AAAA",
    )


def simulate(name: str, limits: Limits, announce_retry_after: bool) -> Outcome:
    clock = VirtualClock()
    fake = FakeGitHub(token=TOKEN, checks_per_operation=CONTRACT_CHECKS).start()
    fake.limits = PublishedLimits(clock.monotonic, retry_after=announce_retry_after)
    backend = GitHubBackend("metropole/entraide", TOKEN, api_url=fake.url, limits=limits, clock=clock)
    started = time.perf_counter()
    try:
        accepted, unavailable = run_residents(backend, clock, DEMAND_PER_HOUR * HOURS)
    finally:
        fake.stop()
    delays = sorted(at - number * 3600 / DEMAND_PER_HOUR for number, at in accepted.items())
    if fake.violations:
        raise SystemExit("the fake forge saw contract violations:\n" + "\n".join(fake.violations[:10]))
    return Outcome(
        name=name,
        accepted=len(accepted),
        accepted_in_demand_window=sum(1 for at in accepted.values() if at <= HOURS * 3600),
        pull_requests=len(fake.pulls),
        distinct_branches=len({p.head for p in fake.pulls}),
        unavailable=unavailable,
        refused_by_github=fake.limits.refused,
        drained_after_h=max(accepted.values()) / 3600,
        median_delay_min=delays[len(delays) // 2] / 60,
        p90_delay_min=delays[len(delays) * 9 // 10] / 60,
        requests=len(fake.exchanges),
        writes=sum(e.method != "GET" for e in fake.exchanges),
        wall_s=time.perf_counter() - started,
    )


def run_residents(backend: GitHubBackend, clock: VirtualClock, count: int) -> tuple[dict[int, float], int]:
    """Every resident submits at their arrival time and again after each Retry-After until accepted."""
    spacing = 3600 / DEMAND_PER_HOUR
    queue = [(n * spacing, n) for n in range(count)]
    accepted: dict[int, float] = {}
    unavailable = 0
    while queue:
        at, number = heapq.heappop(queue)
        clock.now = max(clock.now, at)
        try:
            backend.submit(resident_entry(number), [], f"resident-{number}")
        except ForgeUnavailable as refused:
            unavailable += 1
            heapq.heappush(queue, (clock.now + refused.retry_after_seconds, number))
            continue
        accepted[number] = clock.now
    return accepted, unavailable


def report(outcome: Outcome, residents: int) -> None:
    lost = residents - outcome.accepted
    doubled = outcome.pull_requests - outcome.distinct_branches
    print(f"  {outcome.name}:")
    print(
        f"    sustained {outcome.accepted_in_demand_window / HOURS:.0f} submissions/hour "
        f"(accepted during the {HOURS} h of demand), backlog drained after {outcome.drained_after_h:.1f} h; "
        f"a resident's wait from first try to acceptance: median {outcome.median_delay_min:.0f} min, "
        f"p90 {outcome.p90_delay_min:.0f} min"
    )
    print(
        f"    {residents} residents → {outcome.accepted} accepted, {outcome.pull_requests} pull requests, "
        f"{outcome.distinct_branches} distinct: {lost} lost, {doubled} doubled"
    )
    print(
        f"    {outcome.unavailable} answers 503 + Retry-After to residents; {outcome.refused_by_github} requests "
        f"refused by GitHub's secondary limits; {outcome.requests} API requests ({outcome.writes} writes); "
        f"{outcome.wall_s:.1f} s of wall time"
    )


def main() -> None:
    logging.getLogger("entraide").setLevel(logging.ERROR)  # thousands of expected 503s would drown the figures
    residents = DEMAND_PER_HOUR * HOURS
    print(
        "github backend vs fake forge enforcing GitHub's published secondary limits "
        "(80 content-creating requests/min, 500/hour, 900 points/min/endpoint); virtual clock"
    )
    print(
        f"  demand: {DEMAND_PER_HOUR} submissions/hour for {HOURS} h; {SUBMIT_WRITES} writes per submission "
        f"(branch, file, pull request, labels) → ceiling {500 // SUBMIT_WRITES}/hour; the first "
        f"{CONTRACT_CHECKS} exchanges of each operation and status checked against GitHub's contract"
    )
    runs = [
        ("self-throttled (default)", Limits(), True),
        ("naive: no self-throttle, honours GitHub's 403 + retry-after", UNLIMITED, True),
    ]
    for name, limits, announce in runs:
        outcome = simulate(name, limits, announce)
        report(outcome, residents)
        if outcome.accepted != residents or outcome.pull_requests != outcome.distinct_branches:
            raise SystemExit(f"{name}: submissions lost or doubled")


if __name__ == "__main__":
    main()
