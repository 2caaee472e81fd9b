"""What the build reads: a missing entries folder is refused, paths come from the settings file, and
`pelican -r` rebuilds when an entry file changes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from entraide.entries import write_entry
from entraide.pipeline import entry_paths
from tests.harness.site import ROOT, build_environ

from .site_fixtures import make_entry, write_entries

PELICAN = [sys.executable, "-m", "pelican"]
SETTINGS = str(ROOT / "pelicanconf.py")


def clean_environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    return build_environ(tmp_path / "cache", ENTRAIDE_SEARCH_ENABLED="0", **extra)


def test_make_html_refuses_a_missing_entries_folder_and_names_it(tmp_path: Path) -> None:
    command = ["make", "--no-print-directory", "-C", str(ROOT), "html", "SUBMISSIONS=does-not-exist/"]
    command.append(f"OUTPUT={tmp_path / 'out'}")
    result = subprocess.run(command, env=clean_environ(tmp_path), capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert f"SUBMISSIONS_PATH: no folder {ROOT / 'does-not-exist'};" in " ".join(result.stdout.split())
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content", [[], [str(ROOT / "content")]], ids=["no-content-argument", "content-argument"])
def test_pelican_run_from_another_folder_builds_the_entries_beside_its_settings(
    tmp_path: Path, content: list[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    command = [*PELICAN, *content, "-s", SETTINGS, "-o", str(tmp_path / "out")]
    environ = clean_environ(tmp_path, ENTRAIDE_BUILD_DATE="2026-12-01", COLUMNS="300")
    result = subprocess.run(command, cwd=elsewhere, env=environ, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr + result.stdout
    shipped = {path.stem for path in entry_paths(ROOT / "submissions")}  # all active on 2026-12-01
    assert {path.name for path in (tmp_path / "out" / "annonces").iterdir()} == shipped
    assert (tmp_path / "out" / "faq" / "index.html").is_file()
    assert not list(elsewhere.iterdir()), "nothing written in the folder pelican runs from"


def test_pelican_autoreload_rebuilds_when_an_entry_file_changes(tmp_path: Path) -> None:
    entry = make_entry(1, "38185", title="Titre original")
    submissions = write_entries(tmp_path / "submissions", [entry])
    output = tmp_path / "out"
    page = output / "annonces" / entry.id / "index.html"
    command = [*PELICAN, "-r", "-s", SETTINGS, "-o", str(output)]
    command += ["-e", f'SUBMISSIONS_PATH="{submissions}"', 'BUILD_DATE="2026-12-01"']
    environ = clean_environ(tmp_path, COLUMNS="300")
    process = subprocess.Popen(
        command, cwd=ROOT, env=environ, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_for(lambda: page.is_file() and "Titre original" in page.read_text("utf-8"), process)
        corrected = make_entry(1, "38185", title="Titre corrigé")
        # Pelican starts watching once the first build is over, a moment after the page is written: an edit
        # made in between is not seen, so the edit is made again (same text, new time) until it is.
        wait_for(
            lambda: "Titre corrigé" in page.read_text("utf-8"),
            process,
            nudge=lambda: write_entry(submissions, corrected),
        )
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        log = process.communicate(timeout=60)[0].decode()
    assert "fixture-0001.yaml" in log  # "-> Modified: …/grenoble/fixture-0001.yaml. re-generating..."
    assert not [path for path in output.rglob("*") if path.suffix == ".yaml"], "entry files are never copied"


def wait_for(condition, process: subprocess.Popen, seconds: float = 60, nudge=None) -> None:
    """Until `condition()` holds, calling `nudge()` every 3 s; fails with pelican's log if it stops or the
    deadline passes."""
    started = time.monotonic()
    nudged = started - 3
    while not condition():
        now = time.monotonic()
        if process.poll() is not None or now > started + seconds:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
            pytest.fail("pelican -r did not rebuild:\n" + process.communicate(timeout=60)[0].decode())
        if nudge and now >= nudged + 3:
            nudge()
            nudged = now
        time.sleep(0.1)
