"""The endpoint as a real server process on a free port of 127.0.0.1, started with a deployer's command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from .conftest import free_port, quiet_settings

START_SECONDS = 30


@dataclass
class ServedEndpoint:
    url: str
    port: int
    root: Path
    process: subprocess.Popen
    output: str = ""

    def open_files_under(self, folder: Path) -> list[str]:
        """The server's open file descriptors that point into `folder` (deleted temporary files included)."""
        links = []
        for descriptor in Path(f"/proc/{self.process.pid}/fd").iterdir():
            try:
                links.append(os.readlink(descriptor))
            except FileNotFoundError:  # closed while we looked
                continue
        return [link for link in links if link.startswith(str(folder))]


def program(name: str) -> str:
    """A console script of this virtual environment (gunicorn, waitress-serve), as a deployer's PATH finds it."""
    return str(Path(sys.executable).parent / name)


@contextmanager
def served(
    argv: list[str], root: Path, keys, port: int | None = None, settings: Mapping[str, str] | None = None
) -> Iterator[ServedEndpoint]:
    """Run `argv` (which listens on `port`) with the quiet test settings under `root`, changed by `settings`;
    wait until /health answers."""
    port = port or free_port()
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    # HOME too: gunicorn 27 puts its control socket under ~/.gunicorn/, which two runs at once would share
    environ = {**os.environ, **quiet_settings(root, keys), **(settings or {})}
    environ.update(TMPDIR=str(root / "tmp"), HOME=str(root))
    process = subprocess.Popen(argv, env=environ, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    endpoint = ServedEndpoint(f"http://127.0.0.1:{port}", port, root, process)
    try:
        _wait_for_health(endpoint)
        yield endpoint
    finally:
        process.terminate()
        try:
            endpoint.output = process.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            endpoint.output = process.communicate()[0]


def _wait_for_health(endpoint: ServedEndpoint) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if endpoint.process.poll() is not None:
            raise AssertionError("the server stopped at start:\n" + endpoint.process.communicate()[0])
        try:
            if requests.get(endpoint.url + "/health", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"no answer on {endpoint.url}/health after {START_SECONDS} s")
