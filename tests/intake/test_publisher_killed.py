"""The publisher killed with SIGKILL mid-way, again and again, against the fake GitHub, on both engines: after
a restart every queued entry is in exactly one pull request, whole, labelled, and the queue is empty.

Each kill happens while the publisher waits for GitHub's answer to a chosen request; GitHub then does the work
after the publisher died (the answer is lost), the hardest case for a restart: a branch without its file, a
file without its pull request, a pull request the queue still holds, a pull request without its labels.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import signal
import threading
import time

from entraide.backends.github import CONTENTS, LABELS, PULLS, REFS
from entraide.publisher import LEASE_SECONDS

from .residents import FORM
from .workers import publish_queue

CONTEXT = multiprocessing.get_context("spawn")
ENTRIES = 12
WAIT = 120  # seconds a child may take to start, reach a kill point or finish before the test fails
KILLS = [  # (method, route, the how-many-th such request of the run): one publisher killed at each, in turn
    ("POST", REFS, 2),  # a branch created, its file not yet written
    ("PUT", CONTENTS, 2),  # a file written, no pull request yet
    ("POST", PULLS, 1),  # a pull request opened that the queue still holds
    ("POST", LABELS, 2),  # labels added after the publisher died, its entry not marked published
]


class KillPoints:
    """Holds GitHub's answer to the chosen request until the test has killed the publisher that sent it."""

    def __init__(self) -> None:
        self.seen: collections.Counter = collections.Counter()
        self.point: tuple[str, str, int] | None = None
        self.held = None
        self.arrived, self.release = threading.Event(), threading.Event()

    def arm(self, point: tuple[str, str, int] | None) -> None:
        self.seen.clear()
        self.point, self.held = point, None
        self.arrived.clear()
        self.release.clear()

    def __call__(self, exchange) -> None:
        key = (exchange.method, exchange.template)
        self.seen[key] += 1
        if self.point and key == self.point[:2] and self.seen[key] == self.point[2]:
            self.held = exchange
            self.arrived.set()
            assert self.release.wait(WAIT)


def start_publisher(database_url: str, api_url: str, offset: float, results) -> multiprocessing.Process:
    process = CONTEXT.Process(target=publish_queue, args=(database_url, api_url, offset, results))
    process.start()
    return process


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT} s for {what}"
        time.sleep(0.01)


def test_a_publisher_killed_again_and_again_leaves_each_entry_in_exactly_one_pull_request(
    database_url, store, intake, fake_github
):
    queued = [intake.file({**FORM, "title": f"Courses du samedi n° {n}"}).entry for n in range(ENTRIES)]
    kill_points = KillPoints()
    fake_github.on_request = kill_points
    results = CONTEXT.Queue()
    offset = 0.0
    for point in KILLS:
        kill_points.arm(point)
        publisher = start_publisher(database_url, fake_github.url, offset, results)
        assert kill_points.arrived.wait(WAIT), f"the publisher never sent {point}"
        os.kill(publisher.pid, signal.SIGKILL)
        publisher.join(WAIT)
        assert publisher.exitcode == -signal.SIGKILL
        kill_points.release.set()  # GitHub does the work now; its answer goes nowhere
        wait_until(lambda: kill_points.held.status is not None, "GitHub to finish the request")
        offset += LEASE_SECONDS + 1  # the next publisher starts after the killed one's lease ran out

    kill_points.arm(None)
    publisher = start_publisher(database_url, fake_github.url, offset, results)
    publisher.join(WAIT)
    assert publisher.exitcode == 0
    last_run = results.get(timeout=WAIT)
    assert not last_run["busy"] and not last_run["failed"] and not last_run["paused"]

    assert store.queue.stats(time.time() + offset).waiting == 0
    assert len(fake_github.pulls) == ENTRIES
    for entry in queued:
        pulls = [pull for pull in fake_github.pulls if pull.head == f"entraide/{entry.id}"]
        assert len(pulls) == 1, f"{entry.id} is in {len(pulls)} pull requests"
        (pull,) = pulls
        assert pull.state == "open"
        changes = fake_github.changes(pull)
        assert list(changes) == [f"submissions/meylan/{entry.id}.yaml"]
        assert entry.title in changes[f"submissions/meylan/{entry.id}.yaml"]
        assert entry.title in pull.title
        assert {"Offre", "Courses", "Commune : Meylan"} <= set(pull.labels)
