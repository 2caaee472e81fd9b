"""Rate limits across four real endpoint processes sharing one database, on both engines: one client gets its
limit once in total, whichever process answers it, and another client is not held back by it.

Each process is the deployer's command (`python -m entraide.endpoint.serve`) behind a proxy that sets
X-Forwarded-For; the requests go over HTTP, all at once.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from entraide.sealing import KeyPair
from tests.harness.endpoint import SITE, serve_command, served
from tests.harness.network import LOOPBACK
from tests.harness.ports import free_port

from .residents import FORM

PROCESSES = 4
PER_CLIENT = 3  # a sliding minute: the test's requests, sent within a second or two, stay far inside it
CLIENT, OTHER_CLIENT = "198.51.100.7", "198.51.100.8"


def submit(url: str, client: str, title: str) -> requests.Response:
    headers = {"Origin": SITE, "X-Forwarded-For": client, "Accept": "application/json"}
    return requests.post(url + "/submit", json={**FORM, "title": title}, headers=headers, timeout=60)


def submit_all_at_once(urls: list[str], client: str, each: int) -> list[requests.Response]:
    start = threading.Barrier(len(urls) * each)

    def send(number: int) -> requests.Response:
        start.wait(timeout=60)
        return submit(urls[number % len(urls)], client, f"Courses du samedi n° {number}")

    with ThreadPoolExecutor(max_workers=len(urls) * each) as pool:
        return list(pool.map(send, range(len(urls) * each)))


def test_one_client_gets_its_limit_once_across_four_processes(database_url, store, tmp_path):
    keys = KeyPair.generate()
    settings = {
        "ENTRAIDE_DATABASE_URL": database_url,
        "ENTRAIDE_RATE_LIMIT_PER_IP": str(PER_CLIENT),
        "ENTRAIDE_TRUSTED_PROXY": LOOPBACK,
        "ENTRAIDE_PUBLISH_AFTER_SUBMIT": "false",  # the queue keeps what was accepted: the test reads it there
    }
    with contextlib.ExitStack() as stack:
        urls = []
        for number in range(PROCESSES):
            port = free_port()
            instance = served(serve_command(port), tmp_path / f"instance-{number}", keys, port, settings=settings)
            urls.append(stack.enter_context(instance).url)

        answers = submit_all_at_once(urls, CLIENT, each=PER_CLIENT)
        other = submit(urls[-1], OTHER_CLIENT, "Aide aux devoirs le mercredi")

    accepted = [answer for answer in answers if answer.status_code == 201]
    refused = [answer for answer in answers if answer.status_code == 429]
    assert len(accepted) == PER_CLIENT, [answer.status_code for answer in answers]
    assert len(refused) == len(answers) - PER_CLIENT
    for answer in refused:
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.json()["message"].startswith("Trop d'envois en peu de temps")
        assert "n'a pas été enregistré" in answer.json()["message"]
    assert other.status_code == 201, other.json()
    queued = {item.entry_id for item in store.queue.entries(now=0)}
    assert queued == {answer.json()["id"] for answer in [*accepted, other]}
