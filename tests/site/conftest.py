"""Fixtures of the site tests: entries written as YAML into a temporary folder, built by Pelican for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from entraide.entries import Entry

from .site_fixtures import build, fixture_entries, write_entries


@pytest.fixture(scope="package")
def entries() -> list[Entry]:
    return fixture_entries()


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory, entries: list[Entry]) -> Path:
    """The site built once from the fixture entries, shared by the read-only tests of this folder."""
    base = tmp_path_factory.mktemp("site")
    result = build(write_entries(base / "submissions", entries), base / "output", base / "cache")
    assert result.returncode == 0, result.stderr + result.stdout
    return base / "output"
