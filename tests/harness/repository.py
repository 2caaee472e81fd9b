"""Helpers of the moderation tests: entries with real sealed contacts, git, and `entraide` as a process."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from entraide.entries import Entry, write_entry
from entraide.sealing import Contact, KeyPair

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


def run_entraide(*args: str, input: str = "", cwd: Path | None = None) -> Result:
    """`entraide ARGS…` as its own process, as a moderator or CI runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "entraide.cli", *args], input=input, capture_output=True, text=True, cwd=cwd, timeout=120
    )
    return Result(done.returncode, done.stdout, done.stderr)
