"""`python -m entraide.endpoint.serve` (what `make serve` and `make endpoint` run): a real process on a free port,
taking a submission, and holding against slow clients and a huge body with no proxy in front."""

from __future__ import annotations

import os
import select
import socket
import subprocess

import pytest
import requests

from tests.harness.endpoint import GOOD_FORM, SITE, quiet_settings, serve_command, served, wait_for
from tests.harness.ports import free_port

IDLE_CONNECTIONS = 100
HUGE_BODY_BYTES = 500 * 1024 * 1024
BLOCK = b"a" * 65536
REFUSED_WITHIN = 16 * 1024 * 1024  # what the server read, plus what loopback's socket buffers hold (a few MB)


def test_the_serve_command_answers_and_takes_a_submission(tmp_path, keys):
    port = free_port()
    with served(serve_command(port), tmp_path, keys, port) as endpoint:
        health = requests.get(endpoint.url + "/health", timeout=10)
        answer = requests.post(endpoint.url + "/submit", json=GOOD_FORM, headers={"Origin": SITE}, timeout=10)
        wait_for(lambda: len(list((tmp_path / "pending").rglob("*.yaml"))) == 1)  # handed over after the answer
    assert health.json()["status"] == "ok"
    assert answer.status_code == 201
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    assert f"form endpoint on http://127.0.0.1:{port}/" in endpoint.output
    assert "POST /submit 201" in endpoint.output and GOOD_FORM["email"] not in endpoint.output


def test_a_hundred_idle_connections_do_not_keep_residents_out(tmp_path, keys):
    port = free_port()
    with served(serve_command(port), tmp_path, keys, port) as endpoint:
        idle = []
        try:
            for _ in range(IDLE_CONNECTIONS):  # slow clients: a request started, never finished
                connection = socket.create_connection(("127.0.0.1", port), timeout=5)
                connection.sendall(b"POST /submit HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                idle.append(connection)
            health = requests.get(endpoint.url + "/health", timeout=10)
            answer = requests.post(endpoint.url + "/submit", json=GOOD_FORM, headers={"Origin": SITE}, timeout=10)
        finally:
            for connection in idle:
                connection.close()
    assert health.json()["status"] == "ok"
    assert answer.status_code == 201


def test_a_500_mb_chunked_body_is_refused_early_and_never_written_to_disk(tmp_path, keys):
    port = free_port()
    with served(serve_command(port), tmp_path, keys, port) as endpoint:
        sent, on_disk, answer = 0, [], b""
        with socket.create_connection(("127.0.0.1", port), timeout=5) as attacker:
            attacker.sendall(
                b"POST /submit HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: " + SITE.encode() + b"\r\n"
                b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            while sent < HUGE_BODY_BYTES and not on_disk and not answer:
                readable, writable, _ = select.select([attacker], [attacker], [], 5)
                if readable:
                    answer = last_words(attacker)
                elif writable:
                    try:
                        attacker.sendall(b"%x\r\n%s\r\n" % (len(BLOCK), BLOCK))
                    except (BrokenPipeError, ConnectionResetError):  # it answered and closed while we sent
                        answer = last_words(attacker)
                        break
                    sent += len(BLOCK)
                    on_disk = endpoint.open_files_under(tmp_path / "tmp")
                else:
                    break  # the server neither reads nor answers: fails below
        health = requests.get(endpoint.url + "/health", timeout=10)
    assert on_disk == [], f"the body went to a temporary file after {sent:,} bytes"
    assert answer.startswith(b"HTTP/1.1 413"), f"{sent:,} bytes sent, answer {answer[:100]!r}"
    assert sent <= REFUSED_WITHIN, f"refused only after {sent:,} bytes"
    assert health.json()["status"] == "ok"
    assert not list((tmp_path / "pending").rglob("*.yaml"))


def last_words(connection: socket.socket) -> bytes:
    """What the server answered, or how it hung up (after an answer it closes, resetting what we still send)."""
    try:
        return connection.recv(65536) or b"(closed)"
    except ConnectionResetError:
        return b"(reset)"


def test_behind_its_trusted_proxy_each_resident_is_counted_apart_and_nobody_can_forge_an_address(tmp_path, keys):
    """The documented proxy set-up end to end: the proxy (here this test, from 127.0.0.1) adds the client's address.

    Without waitress's trusted-proxy settings it stripped the header: 10 answered, then 429 for the whole city.
    """
    port = free_port()
    settings = {"ENTRAIDE_TRUSTED_PROXY": "127.0.0.1", "ENTRAIDE_RATE_LIMIT_PER_IP": "3"}
    with served(serve_command(port), tmp_path, keys, port, settings) as endpoint:

        def status(client: str) -> int:
            headers = {"Origin": SITE, "X-Forwarded-For": client}
            return requests.post(endpoint.url + "/report", json={}, headers=headers, timeout=10).status_code

        first = [status("203.0.113.1") for _ in range(4)]
        others = [status(f"203.0.113.{n}") for n in range(2, 12)]
    assert first[:3] != [429] * 3 and first[3] == 429  # one resident: three, then wait
    assert 429 not in others  # ten other residents behind the same proxy are not locked out


def test_an_address_forged_by_anyone_but_the_trusted_proxy_is_ignored(tmp_path, keys):
    port = free_port()
    settings = {"ENTRAIDE_TRUSTED_PROXY": "127.0.0.2", "ENTRAIDE_RATE_LIMIT_PER_IP": "3"}
    with served(serve_command(port), tmp_path, keys, port, settings) as endpoint:
        answers = [
            requests.post(
                endpoint.url + "/report", json={}, headers={"Origin": SITE, "X-Forwarded-For": f"198.51.100.{n}"}
            ).status_code
            for n in range(5)
        ]
    assert answers[3:] == [429, 429]  # all from 127.0.0.1, whatever they claim


@pytest.mark.parametrize(
    ("database_url", "says"),
    [
        ("sqlite:///{root}/never-upgraded.db", "run `entraide db upgrade`"),
        ("postgres//nowhere", "ENTRAIDE_DATABASE_URL="),
    ],
    ids=["schema-older-than-the-code", "malformed-url"],
)
def test_the_endpoint_refuses_to_start_on_a_store_it_cannot_use_and_says_what_to_do(tmp_path, keys, database_url, says):
    environ = {
        **os.environ,
        **quiet_settings(tmp_path, keys),
        "ENTRAIDE_DATABASE_URL": database_url.format(root=tmp_path),
    }
    done = subprocess.run(serve_command(free_port()), env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and says in done.stderr
    assert "Traceback" not in done.stderr
