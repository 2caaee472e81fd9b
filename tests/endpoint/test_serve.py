"""`python -m entraide.endpoint.serve` (what `make serve` and `make endpoint` run): a real process on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import requests

from .conftest import GOOD_FORM, SITE, free_port


def test_the_serve_command_answers_and_takes_a_submission(tmp_path, keys):
    port = free_port()
    environ = {
        **os.environ,
        "ENTRAIDE_SITE_URL": SITE,
        "ENTRAIDE_PENDING_PATH": str(tmp_path / "pending"),
        "ENTRAIDE_OUTBOX_PATH": str(tmp_path / "outbox"),
        "ENTRAIDE_PRIVATE_KEY": keys.private,
        "ENTRAIDE_MIN_FILL_SECONDS": "0",
        "ENTRAIDE_GEOCODER_URL": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "entraide.endpoint.serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environ,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                health = requests.get(url + "/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        answer = requests.post(url + "/submit", json=GOOD_FORM, headers={"Origin": SITE}, timeout=10)
        assert answer.status_code == 201
        assert len(list((tmp_path / "pending").rglob("*.yaml"))) == 1
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert f"form endpoint on http://127.0.0.1:{port}/" in output
    assert "POST /submit 201" in output and GOOD_FORM["email"] not in output
