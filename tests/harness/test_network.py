"""The loopback guard on a suite of its own, run by pytest in a separate process: a test that tries to reach
an outside address or to resolve a name fails, even when the code it runs swallows the refusal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .site import ROOT

SUITE = """
import socket


def test_connects_outside_and_swallows_the_error():
    try:
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: documentation, never routed
    except OSError:
        pass


def test_resolves_a_name_and_swallows_the_error():
    try:
        socket.getaddrinfo("tile.openstreetmap.org", 443)
    except OSError:
        pass


def test_talks_to_127_0_0_1():
    with socket.create_server(("127.0.0.1", 0)) as server:
        socket.create_connection(server.getsockname(), timeout=1).close()
"""


def run_suite(folder: Path) -> str:
    (folder / "test_suite.py").write_text(SUITE)
    command = [sys.executable, "-m", "pytest", "-p", "tests.harness.network", "-p", "no:cacheprovider", "-rA"]
    environ = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(command, cwd=folder, env=environ, capture_output=True, text=True, timeout=120)
    return done.stdout + done.stderr


def test_a_test_reaching_outside_fails_and_one_talking_to_loopback_passes(tmp_path: Path) -> None:
    output = run_suite(tmp_path)
    assert "PASSED test_suite.py::test_talks_to_127_0_0_1" in output, output
    assert "ERROR test_suite.py::test_connects_outside_and_swallows_the_error" in output, output
    assert "ERROR test_suite.py::test_resolves_a_name_and_swallows_the_error" in output, output
    assert "the test tried to leave 127.0.0.1: connecting to ('192.0.2.1', 80)" in output
    assert "the test tried to leave 127.0.0.1: resolving 'tile.openstreetmap.org'" in output
    assert "3 passed, 2 errors" in output, output
