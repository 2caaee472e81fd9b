"""Several real processes on one database, on both engines: limits hold in total, claims never overlap,
and a process killed with SIGKILL (mid-batch, or inside a transaction) loses and doubles nothing.

Every process opens its own store (spawned, nothing inherited), waits at a barrier, then runs at once. Time
is passed in, so a lease "runs out" by calling with a later `now`: no test sleeps.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from entraide.store import Publication
from entraide.store.migrations import load_migrations
from tests.store import workers

CONTEXT = multiprocessing.get_context("spawn")
PROCESSES = 4
NOW = 1_000_000.0
LEASE = 60.0
WAIT = 120  # seconds a process may take to start and report before the test fails


def run_together(target, *argument_lists) -> list:
    """Run `target` in one process per argument list, all released at once; their results in any order."""
    start, results = CONTEXT.Barrier(len(argument_lists)), CONTEXT.Queue()
    processes = [
        CONTEXT.Process(target=workers.together, args=(target, start, results, *args)) for args in argument_lists
    ]
    for process in processes:
        process.start()
    answers = [results.get(timeout=WAIT) for _ in processes]
    for process in processes:
        process.join(timeout=WAIT)
        assert process.exitcode == 0
    return answers


def start_and_wait(target, *args) -> multiprocessing.Process:
    """Start `target` in its own process and wait until it says it is where the test wants it killed."""
    ready = CONTEXT.Event()
    process = CONTEXT.Process(target=target, args=(*args, ready))
    process.start()
    assert ready.wait(timeout=WAIT)
    return process


def kill(process: multiprocessing.Process) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.join(timeout=WAIT)
    assert process.exitcode == -signal.SIGKILL


def test_a_limit_of_n_across_four_processes_is_n_in_total(store, database_url):
    allowed = run_together(workers.hit, *[(database_url, "submit", 30, 20, NOW)] * PROCESSES)
    assert sum(allowed) == 30


def test_one_idempotency_key_has_one_first_writer(store, database_url):
    answers = run_together(
        workers.remember, *[(database_url, "submission:4f2a", f"id-{n}", NOW) for n in range(PROCESSES)]
    )
    firsts = [answer for answer in answers if answer is None]
    assert len(firsts) == 1
    [winner] = set(answers) - {None}
    assert answers.count(winner) == PROCESSES - 1


def test_a_token_is_used_once_across_processes(store, database_url):
    assert sorted(run_together(workers.use, *[(database_url, "form.1.q8Xz", NOW)] * PROCESSES)) == [False] * 3 + [True]


def test_one_publisher_lease_across_processes(store, database_url):
    answers = run_together(workers.acquire, *[(database_url, f"host:{n}:ab", NOW) for n in range(PROCESSES)])
    assert sorted(answers) == [False] * 3 + [True]


def test_the_forge_throttle_holds_across_processes(store, database_url):
    assert sum(run_together(workers.reserve, *[(database_url, 30, NOW)] * PROCESSES)) == 80


def test_concurrent_upgrades_apply_each_migration_once(database_url):
    applied = run_together(workers.migrate, *[(database_url,)] * PROCESSES)
    assert sum(applied) == len(load_migrations())  # each migration applied by one process, whichever


def test_publishers_claiming_together_never_get_the_same_entry(store, database_url):
    ids = [f"grenoble-2026-11-20-{n:06d}" for n in range(200)]
    for n, entry_id in enumerate(ids):
        store.queue.enqueue(entry_id, {"n": n}, NOW + n / 1000)
    first_claims = CONTEXT.Barrier(PROCESSES)
    claimed = run_together(
        workers.drain_together,
        *[(database_url, f"publisher-{n}", NOW + 1, LEASE, 7, first_claims) for n in range(PROCESSES)],
    )
    everything = [entry_id for batch in claimed for entry_id in batch]
    assert sorted(everything) == ids  # each entry claimed by exactly one publisher
    assert store.queue.stats(NOW + 2).waiting == 0


@pytest.mark.parametrize("marked", [True, False], ids=["killed-between-entries", "killed-before-marking"])
def test_a_publisher_killed_mid_batch_loses_and_doubles_nothing(store, database_url, tmp_path: Path, marked):
    forge = tmp_path / "forge"
    forge.mkdir()
    ids = [f"echirolles-2026-11-20-{n:06d}" for n in range(20)]
    for n, entry_id in enumerate(ids):
        store.queue.enqueue(entry_id, {"n": n}, NOW + n)
    doomed = start_and_wait(workers.publish_then_hang, database_url, str(forge), NOW + 30, LEASE, 10, 3, marked)
    kill(doomed)

    # Before its lease runs out, what it held stays held: another publisher takes only the rest.
    assert sorted(workers.drain(store, "next", NOW + 31, LEASE, 5, str(forge))) == ids[10:]
    held = ids[4:10] if marked else ids[3:10]
    assert [q.entry_id for q in store.queue.entries(NOW + 31)] == held
    # Once it has run out, the next run finishes the batch.
    assert sorted(workers.drain(store, "next", NOW + 30 + LEASE, LEASE, 5, str(forge))) == held

    calls = [line.split() for line in (forge / "calls.log").read_text().splitlines()]
    created = collections.Counter(entry_id for outcome, entry_id, _ in calls if outcome == "created")
    assert sorted(created) == ids and set(created.values()) == {1}  # every entry once in the forge
    found = [entry_id for outcome, entry_id, _ in calls if outcome == "found"]
    assert found == ([] if marked else [ids[3]])  # published but not marked: found there, not made again
    assert store.queue.stats(NOW + 100).waiting == 0


def test_a_process_killed_inside_a_transaction_leaves_nothing_and_locks_nothing(store, database_url):
    doomed = start_and_wait(workers.hang_in_transaction, database_url, "meylan-2026-11-20-k3v9qa", NOW)
    kill(doomed)
    assert store.queue.enqueue("meylan-2026-11-20-k3v9qa", {"title": "Courses"}, NOW + 1) is True
    [claimed] = store.queue.claim("publisher", NOW + 2, LEASE)
    assert claimed.payload == {"title": "Courses"}


def test_a_withdrawal_during_publication_reaches_the_publisher(store, database_url):
    store.queue.enqueue("meylan-2026-11-20-k3v9qa", {"title": "Courses"}, NOW)
    [claimed] = store.queue.claim("publisher", NOW, LEASE)
    assert run_together(workers.withdraw, (database_url, claimed.entry_id, NOW + 1)) == [True]
    assert store.queue.mark_published(claimed.entry_id) is Publication.WITHDRAWN
