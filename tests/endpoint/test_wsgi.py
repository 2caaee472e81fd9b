"""`entraide.endpoint.wsgi:application` under gunicorn and waitress-serve, run with the commands the docs show."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from waitress.adjustments import Adjustments

from entraide.endpoint.serve import WAITRESS_LIMITS
from tests.harness.endpoint import AUTHOR_EMAIL, GOOD_FORM, SITE, program, served
from tests.harness.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "README.md", ROOT / "docs" / "endpoint.md")
DOCUMENTED_ADDRESS = "127.0.0.1:8001"
SERVERS = ("gunicorn", "waitress-serve")


def documented_commands(document: Path) -> dict[str, list[str]]:
    """The gunicorn and waitress-serve command lines of the document's shell blocks, as argument lists."""
    text = document.read_text("utf-8").replace("\\\n", " ")  # a shell line continued with a backslash
    commands = {}
    for line in text.splitlines():
        words = shlex.split(line, comments=True) if re.match(r"\s*(gunicorn|waitress-serve) ", line) else []
        if words:
            commands[words[0]] = words
    return commands


def test_the_readme_and_the_endpoint_doc_show_the_same_server_commands():
    readme, endpoint_doc = (documented_commands(document) for document in DOCS)
    assert set(readme) == set(SERVERS)
    assert readme == endpoint_doc


def test_the_documented_waitress_serve_command_sets_the_limits_of_the_serve_command():
    options, [application] = Adjustments.parse_args(documented_commands(DOCS[0])["waitress-serve"][1:])
    assert application == "entraide.endpoint.wsgi:application"
    assert (options.pop("help"), options.pop("call")) == (False, False)
    adjustments = Adjustments(**options)
    assert {name: getattr(adjustments, name) for name in WAITRESS_LIMITS} == WAITRESS_LIMITS


@pytest.mark.parametrize("server", SERVERS)
def test_the_documented_command_serves_the_endpoint(server, tmp_path, keys):
    port = free_port()
    words = documented_commands(DOCS[0])[server]
    argv = [program(server), *(word.replace(DOCUMENTED_ADDRESS, f"127.0.0.1:{port}") for word in words[1:])]
    with served(argv, tmp_path, keys, port) as endpoint:
        health = requests.get(endpoint.url + "/health", timeout=10)
        created = requests.post(endpoint.url + "/submit", json=GOOD_FORM, headers={"Origin": SITE}, timeout=10)
        preview = requests.post(
            endpoint.url + "/submit",
            data=urlencode({**GOOD_FORM, "title": "Je promène votre chien"}),
            headers={"Origin": SITE, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )
    assert health.json()["status"] == "ok"
    assert created.status_code == 201 and created.json()["status"] == "pending"
    assert preview.status_code == 200 and "Vérifiez votre annonce" in preview.text
    assert len(list((tmp_path / "pending").rglob("*.yaml"))) == 1
    assert "POST /submit 201" in endpoint.output, "the endpoint's log lines reach the server's output"
    assert AUTHOR_EMAIL not in endpoint.output
