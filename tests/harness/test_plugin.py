"""The harness as one plugin: its fixtures reach a test file run alone from any folder, and each real part it
drives is declared in it only, not copied into a test folder or a benchmark."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .site import ROOT

HARNESS = ROOT / "tests" / "harness"
# What only one module of the harness may hold, and what no test nor benchmark needs any more.
ONE_PLACE = {
    r"\bController\(|hostname=.*port=free_port\(\)": "mail.py",  # an SMTP server (aiosmtpd)
    r"--no-sandbox|executable_path=": "chromium.py",  # Chromium's flags
    r"\.route\([\"']\*\*/\*": "network.py",  # the loopback guard of browser pages
    r"def free_port\b": "ports.py",
    r"\binitdb\b|\bpg_ctl\b": "postgres.py",  # a PostgreSQL cluster
    r"-m\", \"entraide\.endpoint\.serve|\"entraide\.endpoint\.serve\"": "endpoint.py",  # the endpoint process
}
NOWHERE = {  # in tests (benchmarks run outside pytest: they may put plugins/ on the path themselves)
    r"\bsys\.path\.(insert|append)\(": "tests/ is a package and pytest puts plugins/ on the path (pyproject.toml)",
    r"\bimportorskip\(": "a test skipping when our own helper is missing cannot fail: import it",
    r"^\s*(from \.?conftest import|import conftest)": "conftest.py files hold fixtures; what tests import is a module",
}


def python_files(*folders: str) -> list[Path]:
    files = [path for folder in folders for path in ROOT.joinpath(folder).rglob("*.py")]
    return sorted(path for path in files if ".node" not in path.parts and path.parent != HARNESS)


@pytest.mark.parametrize("pattern", ONE_PLACE, ids=ONE_PLACE.values())
def test_each_real_part_is_declared_in_the_harness_only(pattern: str) -> None:
    files = python_files("tests", "bench")
    copies = [str(path.relative_to(ROOT)) for path in files if re.search(pattern, path.read_text())]
    assert copies == [], f"use tests/harness/{ONE_PLACE[pattern]} instead of a copy"
    assert re.search(pattern, (HARNESS / ONE_PLACE[pattern]).read_text())


@pytest.mark.parametrize("pattern", NOWHERE, ids=["sys.path", "importorskip", "conftest-import"])
def test_no_test_reaches_for_its_helpers_around_the_plugin(pattern: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in python_files("tests")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(pattern, line)
    ]
    assert found == [], NOWHERE[pattern]


def test_a_test_file_run_alone_from_another_folder_gets_the_harness(tmp_path: Path) -> None:
    """`pytest path/to/test_file.py`, from anywhere: tests/conftest.py still loads the harness."""
    files = [ROOT / "tests/journeys/test_phone_call_to_expiry.py", ROOT / "tests/endpoint/test_submit.py"]
    command = [
        str(Path(sys.executable).with_name("pytest")),
        "--setup-plan",
        "-p",
        "no:cacheprovider",
        *map(str, files),
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert "fixture '" not in output and "ERROR" not in output, output
    for fixture in ("repo", "cli", "make_endpoint", "mailbox", "loopback_only"):
        assert f"SETUP    F {fixture}" in output, output
