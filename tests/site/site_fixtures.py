"""Fixture entries of the site tests and the real build they go through (`make html`'s Pelican command)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from entraide.entries import Entry, write_entry
from tests.harness.site import build_site

BUILD_DATE = "2026-12-01"

HOSTILE_TITLE = "<script>alert(1)</script> \"guillemets\" 'apostrophe' {{ 7*7 }}"
LONG_WORD = "a" * 300
HOSTILE_DESCRIPTION = (
    "Première ligne <b>pas en gras</b> & {% raw %}rien{% endraw %} {{ 7*7 }}\n"
    f"Deuxième ligne {LONG_WORD}\n</textarea><img src=x onerror=alert(2)>"
)


def make_entry(
    number: int,
    commune: str,
    *,
    kind: str = "offer",
    category: str = "groceries",
    title: str | None = None,
    description: str | None = None,
    name: str = "Camille",
    created: str | None = None,
    expires: str = "2026-12-31",
    location: tuple[float, float] | None = None,
    availability: str = "",
) -> Entry:
    """A fixture entry whose contact and withdraw key hash are secret markers looked for in the output."""
    return Entry(
        id=f"fixture-{number:04d}",
        kind=kind,
        category=category,
        commune=commune,
        title=title or f"Annonce numéro {number}",
        description=description or f"Description de l'annonce numéro {number}, pour les tests.",
        name=name,
        availability=availability,
        created=created or f"2026-11-{1 + number % 28:02d}T{number % 24:02d}:00:00+01:00",
        expires=expires,
        contact=f"sealed:v1:0000:SECRET-CONTACT-{number:04d}",
        withdraw_key_hash=f"SECRET-WITHDRAW-{number:04d}",
        location=location,
    )


GRENOBLE, ECHIROLLES, MEYLAN, SAINT_EGREVE = "38185", "38151", "38229", "38382"


def fixture_entries() -> list[Entry]:
    """25 entries in Grenoble (pagination), a hostile one in Échirolles, an expired one in Meylan, others."""
    categories = ["groceries", "homework", "conversation", "other"]
    entries = [
        make_entry(n, GRENOBLE, kind="request" if n % 3 == 0 else "offer", category=categories[n % 4])
        for n in range(1, 26)
    ]
    entries.append(
        make_entry(
            100,
            ECHIROLLES,
            kind="request",
            category="other",
            title=HOSTILE_TITLE,
            description=HOSTILE_DESCRIPTION,
            name="<i>Zoé</i> {{ name }}",
            availability="Le soir\n<b>après 18 h</b>",
        )
    )
    entries.append(make_entry(101, MEYLAN, kind="request", title="Annonce expirée unique", expires="2026-11-30"))
    entries.append(
        make_entry(
            102, MEYLAN, kind="offer", category="homework", title="Annonce de Meylan visible", expires="2026-12-01"
        )
    )
    entries.append(make_entry(103, SAINT_EGREVE, kind="offer", category="conversation", location=(5.6833, 45.2333)))
    return entries


def build(
    submissions: Path,
    output: Path,
    cache: Path,
    build_date: str = BUILD_DATE,
    settings: Mapping[str, Any] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`make html` as the Makefile runs it, into `output`, with its own cache folder and `settings` changed."""
    # The search index has its own plugin and tests (tests/browser); these tests are about entraide_site.
    return build_site(
        submissions,
        output,
        build_date=build_date,
        cache=cache,
        settings=settings,
        environ={"ENTRAIDE_SEARCH_ENABLED": "0"},
    )


def write_entries(folder: Path, entries: list[Entry]) -> Path:
    for entry in entries:
        write_entry(folder, entry)
    return folder
