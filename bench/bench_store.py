"""The store on both engines: operations per second, latency, four processes at once, the cost of connecting.

SQLite is a file in a temporary folder (WAL, synchronous=FULL); PostgreSQL is Debian's server in a throw-away
cluster with the settings a real server runs with (fsync on), reached over TCP on 127.0.0.1 with a password,
as a deployment would. Printed for each engine: rate-limit hits, enqueues (a 1.5 KB payload, as a sealed
entry is) and claims (claim a batch of 10, then mark each published) per second with p50/p99 latency; hits
per second from 4 processes on one database; then, in fresh processes, the cost of the first operation:
importing the store, connecting (psycopg's import included for PostgreSQL) and one hit.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from entraide.store import bucket_key, open_store, upgrade
from tests.harness.postgres import Cluster

OPERATIONS = 2000
PROCESSES = 4
FRESH_RUNS = 7
SECRET = b"bench-secret"
PAYLOAD = {
    "entry": {"title": "Je fais vos courses le samedi", "description": "Je passe au marché chaque samedi. " * 30},
    "contact": "sealed:v1:" + "A" * 200,
    "flags": [],
}
FIRST_OPERATION = """
import sys, time
started = time.perf_counter()
if sys.argv[2] == "after-endpoint":  # what the endpoint imports for a submission is already there
    import entraide.endpoint.app, entraide.endpoint.routes, entraide.submission
    started = time.perf_counter()
from entraide.store import open_store
imported = time.perf_counter()
store = open_store(sys.argv[1])
assert store.limits.hit("submit", 10, 60, time.time()) >= 0
done = time.perf_counter()
print(f"{(imported - started) * 1000:.2f} {(done - imported) * 1000:.2f}")
"""


def timed(operation: Callable[[int], object], count: int) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for number in range(count):
        before = time.perf_counter()
        operation(number)
        latencies.append(time.perf_counter() - before)
    return count / (time.perf_counter() - started), latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def measure_engine(url: str) -> list[tuple[str, float, float, float]]:
    store = open_store(url)
    upgrade(store)
    now = time.time()
    buckets = [bucket_key("submit-ip", SECRET, f"198.51.{n // 256}.{n % 256}") for n in range(OPERATIONS)]
    rows = []
    rate, latencies = timed(lambda n: store.limits.hit(buckets[n], 10, 60, now), OPERATIONS)
    rows.append(("hit", rate, percentile(latencies, 0.5), percentile(latencies, 0.99)))
    rate, latencies = timed(lambda n: store.queue.enqueue(f"bench-{n:06d}", PAYLOAD, now + n / 1000), OPERATIONS)
    rows.append(("enqueue", rate, percentile(latencies, 0.5), percentile(latencies, 0.99)))

    def claim_and_publish(_: int) -> None:
        for entry in store.queue.claim("bench", now + 10, 60, 10):
            store.queue.mark_published(entry.entry_id)

    rate, latencies = timed(claim_and_publish, OPERATIONS // 10)
    rows.append(("claim 10 + mark", rate * 10, percentile(latencies, 0.5), percentile(latencies, 0.99)))
    assert store.queue.stats(now + 20).waiting == 0
    store.close()
    return rows


def hit_in_process(url: str, worker: int, start: object, results: object) -> None:
    store = open_store(url)
    store.ping()
    buckets = [bucket_key("submit-ip", SECRET, f"203.0.{worker}.{n}") for n in range(OPERATIONS // PROCESSES)]
    start.wait()  # type: ignore[attr-defined]
    began = time.perf_counter()
    for bucket in buckets:
        store.limits.hit(bucket, 10, 60, time.time())
    results.put((began, time.perf_counter()))  # type: ignore[attr-defined]


def concurrent_hits(url: str) -> float:
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(PROCESSES), context.Queue()
    processes = [context.Process(target=hit_in_process, args=(url, n, start, results)) for n in range(PROCESSES)]
    for process in processes:
        process.start()
    spans = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    return (OPERATIONS // PROCESSES * PROCESSES) / (max(end for _, end in spans) - min(begin for begin, _ in spans))


def first_operation(url: str, after: str = "alone") -> tuple[float, float]:
    """Medians over fresh processes: importing the store, then connecting and one hit (ms)."""
    runs = []
    for _ in range(FRESH_RUNS):
        command = [sys.executable, "-c", FIRST_OPERATION, url, after]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        runs.append(tuple(float(value) for value in done.stdout.split()))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def connect_only(url: str) -> float:
    """Median ms of opening a PostgreSQL connection once psycopg is imported (a warm process reconnecting)."""
    import psycopg

    times = []
    for _ in range(FRESH_RUNS * 3):
        started = time.perf_counter()
        psycopg.connect(url, autocommit=True).close()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder, Cluster(durable=True) as postgres:
        urls = {"SQLite": f"sqlite:///{folder}/bench.db", "PostgreSQL": postgres.create_database("bench")}
        print(f"{OPERATIONS} operations each, one process; then {PROCESSES} processes hitting one database")
        print(f"{'engine':<11} {'operation':<16} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for engine, url in urls.items():
            for name, rate, p50, p99 in measure_engine(url):
                print(f"{engine:<11} {name:<16} {rate:>8.0f} {p50:>8.2f} {p99:>8.2f}", flush=True)
            print(f"{engine:<11} {f'hit, {PROCESSES} processes':<16} {concurrent_hits(url):>8.0f}", flush=True)
        print(f"\nFirst operation in a fresh process (median of {FRESH_RUNS}):")
        for engine, url in urls.items():
            imported, first = first_operation(url)
            connects = "import psycopg + connect + one hit" if engine == "PostgreSQL" else "open + one hit"
            print(f"  {engine:<11} import entraide.store {imported:.1f} ms; {connects} {first:.1f} ms")
        marginal = first_operation(urls["SQLite"], "after-endpoint")[0]
        print(f"  import entraide.store after the endpoint's own imports: {marginal:.1f} ms")
        print(f"  PostgreSQL connection alone (psycopg already imported): {connect_only(urls['PostgreSQL']):.1f} ms")


if __name__ == "__main__":
    main()
