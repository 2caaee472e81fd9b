"""The publisher: hands queued entries to the moderators (pull requests, or pending files) at the forge's pace.

    the queue (store) ──claim, under the one publisher lease──▶ backend.submit (idempotent by entry id)
        ──the pull request or file exists──▶ mark_published: the entry leaves the queue

One publisher at a time across every instance holds a lease row in the store; killed at any point (even
with SIGKILL), it loses nothing: its claims come back when their lease runs out, and the backend recognises
an entry it already handed over, so nothing is doubled. It runs as `entraide publish` (cron, a scheduled
function, an Actions schedule) and, where the host allows, in the endpoint right after it answers a resident.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from entraide.backends import ForgeUnavailable
from entraide.intake import QueuedEntry

if TYPE_CHECKING:
    from entraide.backends import Backend
    from entraide.store import Store

log = logging.getLogger("entraide.publisher")

LEASE = "publisher"
LEASE_SECONDS = 120.0  # longer than handing one entry over takes, throttle waits included
BATCH = 10
RETRY_SECONDS = 60.0  # after an unexpected failure; the forge's own "retry after" wins when it gives one


@dataclass
class Run:
    """What one run did, for `entraide publish`, the logs and the benchmarks."""

    published: int = 0
    failed: int = 0
    withdrawn: int = 0
    busy: bool = False  # another publisher held the lease: nothing was done
    paused: float = 0.0  # the forge asked to wait this long: the run stopped early
    references: dict[str, str] = field(default_factory=dict)  # entry id → its pull request or pending file


def publish(
    store: Store,
    backend: Backend,
    *,
    clock: Callable[[], float] = time.time,
    worker: str = "",
    deadline: float | None = None,
    batch: int = BATCH,
) -> Run:
    """Hand queued entries over until the queue is empty, the forge asks to wait, or `deadline` (clock time)."""
    worker = worker or f"publisher-{uuid.uuid4().hex[:12]}"
    run = Run()
    if not store.leases.acquire(LEASE, worker, clock(), LEASE_SECONDS):
        run.busy = True
        return run
    try:
        while (deadline is None or clock() < deadline) and not run.paused:
            claimed = store.queue.claim(worker, clock(), LEASE_SECONDS, limit=batch)
            if not claimed:
                break
            for item in claimed:
                if run.paused or not store.leases.acquire(LEASE, worker, clock(), LEASE_SECONDS):
                    store.queue.mark_failed(item.entry_id, worker, "not handed over yet", clock(), 0.0)
                    continue
                _hand_over(store, backend, QueuedEntry.from_payload(item.payload), worker, clock, run)
    finally:
        store.leases.release(LEASE, worker)
    if run.published or run.failed:
        log.info("published %d, failed %d, withdrawn %d", run.published, run.failed, run.withdrawn)
    return run


def _hand_over(
    store: Store, backend: Backend, queued: QueuedEntry, worker: str, clock: Callable[[], float], run: Run
) -> None:
    entry_id = queued.entry.id
    try:
        handed = backend.submit(queued.entry, list(queued.flags), queued.idempotency_key)
    except ForgeUnavailable as busy:
        store.queue.mark_failed(entry_id, worker, "forge busy: " + str(busy), clock(), busy.retry_after_seconds)
        run.paused = float(busy.retry_after_seconds)
        return
    except Exception as error:  # never a resident's text or contact in the reason: the error's class only
        log.exception("entry %s could not be handed over", entry_id)
        store.queue.mark_failed(entry_id, worker, type(error).__name__, clock(), RETRY_SECONDS)
        run.failed += 1
        return
    if store.queue.mark_published(entry_id).name == "WITHDRAWN":
        backend.withdraw(queued.entry)  # its author withdrew it while it was being handed over
        run.withdrawn += 1
    else:
        run.published += 1
        run.references[entry_id] = handed
