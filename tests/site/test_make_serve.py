"""`make serve` for real: the site it builds points at the ports it serves on, and Ctrl-C stops it cleanly.

make runs in its own process group, as in a terminal; Ctrl-C is SIGINT sent to that whole group.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.harness.network import LOOPBACK
from tests.harness.ports import free_port
from tests.harness.site import ROOT, build_environ

from .site_fixtures import GRENOBLE, make_entry, write_entries

STARTUP_SECONDS = 180  # the build comes first; a busy 2-core machine is slow, never this slow


def answers(port: int) -> bool:
    try:
        socket.create_connection((LOOPBACK, port), timeout=1).close()
    except OSError:
        return False
    return True


@dataclass
class Served:
    process: subprocess.Popen[str]
    site: str
    endpoint: str

    def interrupt(self) -> str:
        """Ctrl-C: SIGINT to make's whole process group; returns what make printed."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.communicate(timeout=60)[0]


@contextmanager
def make_serve(tmp_path: Path) -> Iterator[Served]:
    port, endpoint_port = free_port(), free_port()
    submissions = write_entries(
        tmp_path / "submissions", [make_entry(1, GRENOBLE, created="2026-11-02T10:00:00+01:00")]
    )
    environ = build_environ(
        tmp_path / "cache",
        ENTRAIDE_SEARCH_ENABLED="0",  # the search index has its own tests
        ENTRAIDE_PENDING_PATH=str(tmp_path / "pending"),
        ENTRAIDE_OUTBOX_PATH=str(tmp_path / "outbox"),
        ENTRAIDE_REPORTS_PATH=str(tmp_path / "reports"),
        ENTRAIDE_DEV_KEYS_PATH=str(tmp_path / ".dev-keys"),
        ENTRAIDE_GEOCODER_URL="",
    )
    command = [
        "make",
        "--no-print-directory",
        "-C",
        str(ROOT),
        "serve",
        f"PORT={port}",
        f"ENDPOINT_PORT={endpoint_port}",
    ]
    command += [f"SUBMISSIONS={submissions}", f"OUTPUT={tmp_path / 'output'}", "BUILD_DATE=2026-12-01"]
    process = subprocess.Popen(
        command, env=environ, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not (answers(port) and answers(endpoint_port)):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make serve did not start both servers:\n{process.communicate(timeout=60)[0]}")
            time.sleep(0.1)
        yield Served(process, f"http://{LOOPBACK}:{port}", f"http://{LOOPBACK}:{endpoint_port}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.communicate(timeout=60)


def test_the_site_it_serves_posts_to_its_endpoint_port_and_names_its_own_port(tmp_path: Path) -> None:
    with make_serve(tmp_path) as served:
        form = requests.get(served.site + "/demander/", timeout=10).text
        robots = requests.get(served.site + "/robots.txt", timeout=10).text
        sitemap = requests.get(served.site + "/sitemap.xml", timeout=10).text
        feed = requests.get(served.site + "/communes/grenoble/atom.xml", timeout=10).text
        root = requests.get(served.endpoint + "/", timeout=10)
        served.interrupt()
    assert re.search(r'<form [^>]*action="([^"]+)"', form).group(1) == served.endpoint + "/submit"
    assert f"Sitemap: {served.site}/sitemap.xml" in robots.splitlines()
    assert f"<loc>{served.site}/communes/grenoble/</loc>" in sitemap
    assert f'href="{served.site}/annonces/fixture-0001/"' in feed
    assert root.status_code == 200 and f'<a href="{served.site}/">' in root.text


def test_ctrl_c_stops_both_servers_and_make_reports_no_error(tmp_path: Path) -> None:
    with make_serve(tmp_path) as served:
        site_port, endpoint_port = int(served.site.rpartition(":")[2]), int(served.endpoint.rpartition(":")[2])
        output = served.interrupt()
    # GNU make, once its recipe has ended, re-raises the SIGINT it received itself: it ends "killed by
    # SIGINT" (130 in a shell), as any program interrupted by Ctrl-C does; it never prints an error then.
    assert served.process.returncode in (0, -signal.SIGINT), output
    assert "make: ***" not in output and "Segmentation fault" not in output and "Error" not in output, output
    assert output.rstrip().endswith("Stopped the site and the endpoint."), output
    assert not answers(site_port) and not answers(endpoint_port)
