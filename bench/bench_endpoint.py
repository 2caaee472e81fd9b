"""The form endpoint with the local backend: concurrent submissions under waitress, and the Lambda cold start.

Printed: requests per second, p50 and p99 latency of 200 concurrent submissions, and that the pending files
equal the 2xx answers once the publisher has handed the queue over (nothing lost, nothing doubled), also when
every form is sent twice at once; then the cold start of the Lambda handler (import, first submission) in
fresh processes on SQLite, side by side with the naive way (importing everything a request might need up
front), and on PostgreSQL with the cost of its connection.
"""

from __future__ import annotations

import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import waitress

from entraide.config import Config
from entraide.endpoint.app import create_app
from entraide.sealing import KeyPair
from entraide.store import open_store, upgrade
from tests.harness.postgres import Cluster

CONCURRENT = 200
COLD_RUNS = 7
COLD_GOAL_MS = 100  # issue 9: importing the handler, then the first submission, each within this (SQLite)
FORM = {
    "kind": "offer",
    "category": "groceries",
    "commune": "38185",
    "description": "Je fais les courses du quartier le samedi matin, en voiture.",
    "name": "Camille",
    "phone": "06 12 34 56 78",
    "consent": "on",
}


def settings(root: Path, keys: KeyPair, database_url: str = "") -> dict[str, str]:
    return {
        "ENTRAIDE_DATABASE_URL": database_url or f"sqlite:///{root}/entraide.db",
        "ENTRAIDE_SITE_URL": "http://site.bench",
        "ENTRAIDE_PENDING_PATH": str(root / "pending"),
        "ENTRAIDE_SUBMISSIONS_PATH": str(root / "submissions"),
        "ENTRAIDE_REPORTS_PATH": str(root / "reports"),
        "ENTRAIDE_OUTBOX_PATH": str(root / "outbox"),
        "ENTRAIDE_PRIVATE_KEY": keys.private,
        "ENTRAIDE_MIN_FILL_SECONDS": "0",
        "ENTRAIDE_RATE_LIMIT_PER_IP": "0",
        "ENTRAIDE_RATE_LIMIT_GLOBAL": "0",
        "ENTRAIDE_GEOCODER_URL": "",
        "ENTRAIDE_LOG_LEVEL": "WARNING",
    }


def post(port: int, form: dict[str, str]) -> tuple[int, float]:
    started = time.perf_counter()
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/submit", json.dumps(form), {"Content-Type": "application/json"})
    status = connection.getresponse().status
    connection.close()
    return status, time.perf_counter() - started


def run_concurrent(port: int, forms: list[dict[str, str]]) -> tuple[list[tuple[int, float]], float]:
    barrier = threading.Barrier(len(forms))

    def send(form: dict[str, str]) -> tuple[int, float]:
        barrier.wait()
        return post(port, form)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(forms)) as pool:
        answers = list(pool.map(send, forms))
    return answers, time.perf_counter() - started


def report(label: str, answers: list[tuple[int, float]], elapsed: float, pending: int, expected: int) -> None:
    latencies = sorted(latency * 1000 for _, latency in answers)
    ok = sum(1 for status, _ in answers if 200 <= status < 300)
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(
        f"{label}: {len(answers)} requests in {elapsed:.2f} s = {len(answers) / elapsed:.0f} req/s, "
        f"p50 {statistics.median(latencies):.0f} ms, p99 {p99:.0f} ms"
    )
    verdict = "OK" if pending == expected else "MISMATCH"
    print(f"  2xx answers {ok}/{len(answers)}, pending files {pending}, expected {expected}: {verdict}")


def prepared_store(url: str) -> str:
    """What `entraide db upgrade` does at installation; the URL."""
    store = open_store(url)
    upgrade(store)
    store.close()
    return url


def handed_over(app: Any) -> None:
    """Wait until the endpoint's publisher has handed every queued entry over (pending files)."""
    while app.store.queue.stats(time.time()).waiting or app.publishing:
        time.sleep(0.05)


def bench_concurrency(root: Path, keys: KeyPair) -> None:
    config = Config.from_environ(settings(root, keys, prepared_store(f"sqlite:///{root}/entraide.db")))
    app = create_app(config)
    server = waitress.create_server(
        app,
        host="127.0.0.1",
        port=0,
        threads=16,
        asyncore_loop_timeout=0.05,
        connection_limit=1000,
        backlog=1024,
    )
    stopping = threading.Event()
    thread = threading.Thread(target=_run, args=(server, stopping), daemon=True)
    thread.start()
    pending = Path(config.pending_path)
    try:
        post(server.effective_port, {**FORM, "title": "Échauffement du serveur"})  # first request builds caches
        distinct = [{**FORM, "title": f"Courses du samedi numéro {n}"} for n in range(CONCURRENT)]
        answers, elapsed = run_concurrent(server.effective_port, distinct)
        handed_over(app)
        files = len(list(pending.rglob("*.yaml"))) - 1
        report(
            f"{CONCURRENT} concurrent submissions",
            answers,
            elapsed,
            files,
            sum(1 for s, _ in answers if 200 <= s < 300),
        )

        twice = [
            {**FORM, "title": f"Aide aux devoirs {n}", "category": "homework", "submission_id": f"bench-id-{n:04d}"}
            for n in range(CONCURRENT // 2)
        ] * 2
        before = len(list(pending.rglob("*.yaml")))
        answers, elapsed = run_concurrent(server.effective_port, twice)
        handed_over(app)
        report(
            f"{CONCURRENT // 2} forms each sent twice at once",
            answers,
            elapsed,
            len(list(pending.rglob("*.yaml"))) - before,
            len({form["submission_id"] for form, (status, _) in zip(twice, answers, strict=True) if status < 300}),
        )
    finally:
        stopping.set()
        server.task_dispatcher.shutdown(timeout=5)
        server.close()
        thread.join(timeout=5)


def _run(server: Any, stopping: threading.Event) -> None:
    try:
        server.run()
    except (OSError, ValueError):
        if not stopping.is_set():  # closing the socket under the loop's select() is how it stops
            raise


COLD_SCRIPT = """
import json, sys, time
started = time.perf_counter()
{imports}
imported = time.perf_counter()
from entraide.endpoint import lambda_handler
form = {form}
event = {{"version": "2.0", "rawPath": "/submit", "rawQueryString": "",
         "headers": {{"content-type": "application/json"}},
         "requestContext": {{"http": {{"method": "POST", "sourceIp": "203.0.113.1"}}, "stage": "$default"}},
         "body": json.dumps(form), "isBase64Encoded": False}}
status = lambda_handler.handler(event)["statusCode"]
done = time.perf_counter()
print(json.dumps({{"import_ms": (imported - started) * 1000, "first_ms": (done - imported) * 1000, "status": status}}))
"""

NAIVE_IMPORTS = (
    "import requests, jinja2, smtplib, waitress\nimport entraide.endpoint.app, entraide.endpoint.lambda_handler"
)
LAZY_IMPORTS = "import entraide.endpoint.lambda_handler"
INIT_IMPORTS = "import entraide.endpoint.lambda_handler as handler\nhandler._application()"


def cold_start(root: Path, keys: KeyPair, imports: str, database_url: str, tag: str) -> list[dict[str, float]]:
    environ = {**os.environ, **settings(root, keys, database_url), "PYTHONDONTWRITEBYTECODE": "0"}
    environ["ENTRAIDE_PUBLISH_AFTER_SUBMIT"] = "false"  # a Lambda publishes from its scheduled function
    runs = []
    for n in range(COLD_RUNS + 1):
        environ["ENTRAIDE_PENDING_PATH"] = str(root / f"cold-{n}")
        form = {**FORM, "title": f"Un démarrage à froid n° {n} ({tag})"}  # a new entry each time
        script = COLD_SCRIPT.format(imports=imports, form=repr(form))
        output = subprocess.run(
            [sys.executable, "-c", script], env=environ, capture_output=True, text=True, check=True
        ).stdout
        runs.append(json.loads(output))
    return runs[1:]  # the first run may still be writing bytecode caches


def import_time_us(module: str) -> int:
    """Cumulative microseconds `python -X importtime` reports for the module, in a fresh process."""
    lines = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, check=True
    ).stderr.splitlines()
    return next(int(re.split(r"\s*\|\s*", line)[1]) for line in reversed(lines) if line.rstrip().endswith(module))


CONNECT_SCRIPT = """
import sys, time
started = time.perf_counter()
import psycopg
imported = time.perf_counter()
psycopg.connect(sys.argv[1], autocommit=True, prepare_threshold=None).close()
print((imported - started) * 1000, (time.perf_counter() - imported) * 1000)
"""


def bench_cold_start(root: Path, keys: KeyPair) -> None:
    handler = "entraide.endpoint.lambda_handler"
    median_ms = statistics.median(import_time_us(handler) for _ in range(COLD_RUNS)) / 1000
    print(f"python -X importtime: {handler} {median_ms:.1f} ms (median of {COLD_RUNS})")
    sqlite = prepared_store(f"sqlite:///{root}/cold.db")
    variants = (
        ("lazy (ours)", LAZY_IMPORTS),
        ("app built during the Lambda init instead", INIT_IMPORTS),
        ("naive: everything imported up front", NAIVE_IMPORTS),
    )
    for label, imports in variants:
        print_cold_start(f"SQLite, {label}", cold_start(root, keys, imports, sqlite, label))
    with Cluster(durable=True) as postgres:
        url = prepared_store(postgres.create_database("cold"))
        print_cold_start("PostgreSQL, lazy (ours)", cold_start(root, keys, LAZY_IMPORTS, url, "PostgreSQL"))
        connects = [run_script(CONNECT_SCRIPT, url) for _ in range(COLD_RUNS)]
        print(
            f"  of which PostgreSQL's connection, in a fresh process: import psycopg "
            f"{statistics.median(c[0] for c in connects):.0f} ms, connect (TCP, password) "
            f"{statistics.median(c[1] for c in connects):.1f} ms, on loopback; median of {COLD_RUNS}"
        )


def print_cold_start(label: str, runs: list[dict[str, float]]) -> None:
    statuses = {run["status"] for run in runs}
    imports, firsts = [r["import_ms"] for r in runs], [r["first_ms"] for r in runs]
    print(
        f"cold start, {label}: import {statistics.median(imports):.0f} ms (best {min(imports):.0f}), "
        f"first submission {statistics.median(firsts):.0f} ms (best {min(firsts):.0f}); "
        f"median of {len(runs)} fresh processes, status {statuses}; goal {COLD_GOAL_MS} ms each"
    )


def run_script(script: str, *args: str) -> list[float]:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    return [float(value) for value in done.stdout.split()]


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # a deep queue is the point of the exercise
    keys = KeyPair.generate()
    with tempfile.TemporaryDirectory(prefix="entraide-bench-endpoint-") as folder:
        bench_concurrency(Path(folder), keys)
        bench_cold_start(Path(folder), keys)


if __name__ == "__main__":
    main()
