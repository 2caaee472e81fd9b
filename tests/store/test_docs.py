"""docs/store.md stays true: every table the migrations create is in its table of what is stored."""

from __future__ import annotations

import re
from pathlib import Path

from entraide.store import DEFAULT_DATABASE_URL
from entraide.store.migrations import load_migrations

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "store.md").read_text()


def test_every_table_is_documented_with_its_retention():
    created = {
        match[1]
        for migration in load_migrations()
        for statement in migration.statements
        if (match := re.match(r"CREATE TABLE (\w+)", statement))
    }
    stored = DOCS.split("## What is stored", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)`(?:, `(\w+)`)?", stored, re.MULTILINE))
    names = {name for row in documented for name in row if name} - {"schema_migrations"}
    assert created >= {"rate_limits", "intake_queue"}
    assert names == created


def test_the_default_url_is_the_documented_one():
    assert f"`{DEFAULT_DATABASE_URL}` (the default)" in DOCS
