"""A real git repository laid out like the project, and the moderators' `entraide` command run in it.

`repo` is an empty repository (submissions/ and a committed README; the current folder inside it; its store
outside it, upgraded as `entraide db upgrade` does; the instance's private key in ENTRAIDE_PRIVATE_KEY);
`cli` runs `entraide` in this process through `main(argv)`; `run_entraide` runs it as its own process, as a
moderator or CI does. Entries come with real sealed contacts (`make_entry`).
"""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from entraide.cli import main
from entraide.entries import Entry, write_entry
from entraide.sealing import Contact, KeyPair
from entraide.store import open_store, upgrade

MODERATOR = "Camille Modératrice"


@dataclass
class Result:
    code: int
    out: str
    err: str


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, text=True).stdout


def commit_all(folder: Path, message: str = "Fixtures") -> None:
    git(folder, "add", "submissions")
    git(folder, "commit", "--quiet", "-m", message)


def make_entry(keys: KeyPair, number: int, **changes: object) -> Entry:
    """A valid entry; `email`/`phone` change its sealed contact, other keywords its fields."""
    contact = Contact(
        email=str(changes.pop("email", f"personne{number}@example.org")), phone=str(changes.pop("phone", ""))
    )
    entry = Entry(
        id=f"test-2026-{number:04d}",
        kind="offer",
        category="groceries",
        commune="38185",
        title=f"Annonce de test numéro {number}",
        description=f"Je peux aider pour les courses du quartier, annonce {number}.",
        name="Léa",
        created="2026-11-01T10:00:00+01:00",
        expires="2026-12-01",
        contact=keys.seal(contact),
    )
    return dataclasses.replace(entry, **changes)  # type: ignore[arg-type]


def write(root: Path, entry: Entry) -> Path:
    return write_entry(root, entry)


def run_entraide(*args: str, input: str = "", cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Result:
    """`entraide ARGS…` as its own process, as a moderator or CI runs it (in `env`, or this environment)."""
    done = subprocess.run(
        [sys.executable, "-m", "entraide.cli", *args],
        input=input,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: KeyPair) -> Path:
    """An empty git repository with submissions/ and a committed README; the current folder is inside it."""
    for variable in list(os.environ):
        if variable.startswith(("ENTRAIDE_", "GIT_", "GITHUB_")):
            monkeypatch.delenv(variable)
    monkeypatch.setenv("ENTRAIDE_PRIVATE_KEY", keys.private)  # the instance's key, as a moderator's machine has it
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
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """`entraide ARGS…` in this process, with `input` as its standard input."""

    def run(*args: str, input: str = "") -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(input))
        code = main(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run
