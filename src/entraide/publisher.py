"""The publisher: hands queued entries to the moderators (pull requests, or pending files) at the forge's pace.

    the queue (store) ──claim, under the one publisher lease──▶ backend.submit (idempotent by entry id)
        ──the pull request or file exists──▶ mark_published: the entry leaves the queue

One publisher at a time across every instance holds a lease row in the store; killed at any point (even
with SIGKILL), it loses nothing: its claims come back when their lease runs out, and the backend recognises
an entry it already handed over, so nothing is doubled. It runs as `entraide publish` (cron, a scheduled
function, an Actions schedule) and, where the host allows, in the endpoint right after it answers a resident.

When the queue is long (a backend with `batching`: GitHub, above ENTRAIDE_BATCH_THRESHOLD), the commune with
the most waiting entries goes in one pull request, up to ENTRAIDE_BATCH_SIZE entries: about 5 writes for
them all instead of 4 each. Before the first write the batch's name is written into each entry's queued
payload, so a publisher killed half way hands over the same batch again, never a second one.
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
    from entraide.store.queue import Claimed

log = logging.getLogger("entraide.publisher")

LEASE = "publisher"
LEASE_SECONDS = 120.0  # longer than handing one entry over takes, throttle waits included
BATCH = 10
RETRY_SECONDS = 60.0  # after an unexpected failure; the forge's own "retry after" wins when it gives one
BATCH_KEY = "batch"  # in a queued payload: the name of the batch the entry was put in
QUEUE_SCAN = 100_000  # waiting entries read (ids and times only) to choose the next batch


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
    sleep: Callable[[float], None] | None = None,
) -> Run:
    """Hand queued entries over until the queue is empty, the forge asks to wait, or `deadline` (clock time).
    With `sleep`, waits between batches that end before the deadline are slept through (a scheduled function)."""
    worker = worker or f"publisher-{uuid.uuid4().hex[:12]}"
    run = Run()
    if not store.leases.acquire(LEASE, worker, clock(), LEASE_SECONDS):
        run.busy = True
        return run
    try:
        while (deadline is None or clock() < deadline) and not run.paused:
            commune, size = _next_batch(store, backend, clock()), batch
            if commune:
                size = backend.batching.size
                if (wait := backend.batch_wait()) > 0:
                    if sleep is None or deadline is None or clock() + wait >= deadline:
                        run.paused = wait
                        break
                    sleep(wait)
                    continue
            claimed = store.queue.claim(worker, clock(), LEASE_SECONDS, limit=size, ids_like=commune or "%")
            if not claimed:
                break
            for name, items in _bundles(store, claimed, worker, batching=bool(commune)):
                if run.paused or not store.leases.acquire(LEASE, worker, clock(), LEASE_SECONDS):
                    for item in items:
                        store.queue.mark_failed(item.entry_id, worker, "not handed over yet", clock(), 0.0)
                    continue
                if name:
                    _hand_over_batch(store, backend, name, items, worker, clock, run)
                else:
                    _hand_over(store, backend, QueuedEntry.from_payload(items[0].payload), worker, clock, run)
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
    _mark(store, backend, queued, handed, run)


def _next_batch(store: Store, backend: Backend, now: float) -> str | None:
    """When the queue is longer than the backend's threshold: the ids pattern (SQL LIKE) of the commune with
    the most entries waiting, the oldest first among equals; else None, one pull request per entry."""
    batching = getattr(backend, "batching", None)
    if batching is None or store.queue.stats(now).waiting <= batching.threshold:
        return None
    counts: dict[str, int] = {}
    for item in store.queue.entries(now, limit=QUEUE_SCAN):
        if item.available_at <= now and (commune := _commune_of(item.entry_id)):
            counts[commune] = counts.get(commune, 0) + 1
    if not counts:
        return None
    return max(counts, key=counts.__getitem__) + "-________-________"  # dicts keep the oldest first among equals


def _commune_of(entry_id: str) -> str | None:
    """The commune part of an id `<commune slug>-<yyyymmdd>-<8 hex>` (submission.entry_id), or None."""
    parts = entry_id.rsplit("-", 2)
    if len(parts) == 3 and len(parts[1]) == 8 and parts[1].isdigit() and len(parts[2]) == 8:
        return parts[0]
    return None


def _bundles(
    store: Store, claimed: list[Claimed], worker: str, *, batching: bool
) -> list[tuple[str | None, list[Claimed]]]:
    """What to hand over, in order: (batch name, its entries), or (None, [one entry]). An entry already put in a
    batch by an earlier run goes with that batch, whatever the queue's length now."""
    named: dict[str, list[Claimed]] = {}
    loose: list[Claimed] = []
    for item in claimed:
        if item.payload.get(BATCH_KEY):
            named.setdefault(item.payload[BATCH_KEY], []).append(item)
        else:
            loose.append(item)
    if batching and loose:
        name = loose[0].entry_id  # the oldest names the batch; the names are kept in the payloads first
        named.setdefault(name, []).extend(store.queue.annotate(loose, worker, **{BATCH_KEY: name}))
        loose = []
    return [*named.items(), *((None, [item]) for item in loose)]


def _hand_over_batch(
    store: Store, backend: Backend, name: str, items: list[Claimed], worker: str, clock: Callable[[], float], run: Run
) -> None:
    members = [QueuedEntry.from_payload(item.payload) for item in items]
    try:
        held = backend.submit_batch(name, [(queued.entry, list(queued.flags)) for queued in members])
    except ForgeUnavailable as busy:
        for item in items:
            store.queue.mark_failed(
                item.entry_id, worker, "forge busy: " + str(busy), clock(), busy.retry_after_seconds
            )
        run.paused = float(busy.retry_after_seconds)
        return
    except Exception as error:  # never a resident's text or contact in the reason: the error's class only
        log.exception("batch %s could not be handed over", name)
        for item in items:
            store.queue.mark_failed(item.entry_id, worker, type(error).__name__, clock(), RETRY_SECONDS)
        run.failed += len(items)
        return
    left = [item for item in items if item.entry_id not in held]  # not in the batch an earlier run opened
    for item in store.queue.annotate(left, worker, **{BATCH_KEY: ""}):
        store.queue.mark_failed(item.entry_id, worker, "to go in another batch", clock(), 0.0)
    for queued in members:
        if queued.entry.id in held:
            _mark(store, backend, queued, held[queued.entry.id], run)


def _mark(store: Store, backend: Backend, queued: QueuedEntry, handed: str, run: Run) -> None:
    if store.queue.mark_published(queued.entry.id).name == "WITHDRAWN":
        backend.withdraw(queued.entry)  # its author withdrew it while it was being handed over
        run.withdrawn += 1
    else:
        run.published += 1
        run.references[queued.entry.id] = handed
