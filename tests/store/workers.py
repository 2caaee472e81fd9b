"""What the processes of test_concurrency.py run: each opens its own store, as a separate instance would.

The fake forge of the crash tests is a folder: publishing an entry creates a file named after its id, and
finds it there when it exists (the github backend is idempotent by entry id the same way). Every call is
logged, one line each, so a test sees what was created and what was found.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from entraide.store import Publication, Store, open_store, upgrade
from entraide.store.queue import ENQUEUE


def together(target: Any, start: Any, results: Any, url: str, *args: Any) -> None:
    """Connect, wait for every process to be connected too, then run `target` and report its result."""
    store = open_store(url)
    store.ping()
    start.wait(timeout=120)
    results.put(target(store, *args))


def hit(store: Store, bucket: str, limit: int, times: int, now: float) -> int:
    return sum(store.limits.hit(bucket, limit, 60, now) == 0 for _ in range(times))


def remember(store: Store, key: str, value: str, now: float) -> str | None:
    return store.idempotency.remember(key, value, now, 3600)


def use(store: Store, token_id: str, now: float) -> bool:
    return store.tokens.use_once(token_id, now + 900)


def acquire(store: Store, holder: str, now: float) -> bool:
    return store.leases.acquire("publisher", holder, now, 60)


def reserve(store: Store, times: int, now: float) -> int:
    return sum(store.forge_writes.reserve(1, now, spacing=0) == 0 for _ in range(times))


def migrate(store: Store) -> int:
    return len(upgrade(store))


def withdraw(store: Store, entry_id: str, now: float) -> bool:
    return store.queue.withdraw(entry_id, now)


def drain_together(store: Store, worker: str, now: float, lease: float, batch: int, first_claims: Any) -> list[str]:
    """Like `drain`, once every worker holds a first batch: the claims overlap, the work is shared."""
    claimed = [entry.entry_id for entry in store.queue.claim(worker, now, lease, batch)]
    first_claims.wait(timeout=120)
    for entry_id in claimed:
        store.queue.mark_published(entry_id)
    return claimed + drain(store, worker, now, lease, batch)


def drain(store: Store, worker: str, now: float, lease: float, batch: int, forge: str | None = None) -> list[str]:
    """Claim and publish until nothing is left to claim; the ids this worker claimed."""
    claimed = []
    while entries := store.queue.claim(worker, now, lease, batch):
        for entry in entries:
            claimed.append(entry.entry_id)
            if forge:
                publish(Path(forge), entry.entry_id, worker)
            assert store.queue.mark_published(entry.entry_id) is Publication.DONE
    return claimed


def publish_then_hang(
    url: str, forge: str, now: float, lease: float, batch: int, stop_at: int, mark: bool, ready
) -> None:
    """Publish a batch; at entry `stop_at`, once published (and marked when `mark`), wait to be killed."""
    store = open_store(url)
    for number, entry in enumerate(store.queue.claim("doomed", now, lease, batch)):
        publish(Path(forge), entry.entry_id, "doomed")
        if number == stop_at and not mark:
            break
        store.queue.mark_published(entry.entry_id)
        if number == stop_at:
            break
    ready.set()
    threading.Event().wait()


def hang_in_transaction(url: str, entry_id: str, now: float, ready) -> None:
    """Queue an entry inside a transaction that never commits, and wait to be killed."""
    with open_store(url).engine.transaction() as transaction:
        transaction.execute(ENQUEUE, (entry_id, "{}", now, now))
        ready.set()
        threading.Event().wait()


def publish(forge: Path, entry_id: str, worker: str) -> None:
    try:
        os.close(os.open(forge / entry_id, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        outcome = "created"
    except FileExistsError:
        outcome = "found"
    with open(forge / "calls.log", "a", encoding="utf-8") as log:
        log.write(f"{outcome} {entry_id} {worker}\n")
