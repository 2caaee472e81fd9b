"""Index the built entry pages with Pagefind, so the search box works on any static host.

Pagefind (PyPI `pagefind[extended]`, its binary inside the wheel) reads the written HTML: the part of an
entry page marked `data-pagefind-body`, and its `data-pagefind-filter` values (commune, category, kind).
It runs after Pelican has written everything (`finalized`), into a temporary folder, and only the files
whose bytes changed are copied into `<output>/pagefind/`, so a rebuild with nothing new writes nothing.
When no entry page changed since the last run (same paths, sizes and modification times), Pagefind is
not run at all: indexing 10,000 pages takes seconds, and the unchanged rebuild must stay under one.

Settings, in one namespaced dict checked at start-up (every key optional):
    ENTRAIDE_SEARCH = {
        "enabled": True,                       # False: no index, the search box keeps its links to the lists
        "glob": "annonces/*/index.html",       # which written pages Pagefind reads
        "language": "fr",                      # one language for the whole index (stemming, stop words)
        "cache_path": "",                      # folder keeping the fingerprint of the last indexed pages;
    }                                          # empty: the site plugin's ENTRAIDE["cache_path"], else .cache/
"""

from __future__ import annotations

import filecmp
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pelican import signals

log = logging.getLogger(__name__)

BUNDLE = "pagefind"
DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "glob": "annonces/*/index.html",
    "language": "fr",
    "cache_path": "",
}


class SearchSettingsError(ValueError):
    """ENTRAIDE_SEARCH holds a key or a value the plugin cannot use."""


def register() -> None:
    signals.initialized.connect(check_settings)
    signals.finalized.connect(index_site)


def search_settings(settings: dict[str, Any]) -> dict[str, Any]:
    given = settings.get("ENTRAIDE_SEARCH") or {}
    unknown = set(given) - set(DEFAULTS)
    if unknown:
        raise SearchSettingsError(f"ENTRAIDE_SEARCH: unknown keys {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    merged = {**DEFAULTS, **given}
    for key in ("glob", "language"):
        if not isinstance(merged[key], str) or not merged[key]:
            raise SearchSettingsError(f"ENTRAIDE_SEARCH[{key!r}] must be a non-empty string")
    if not isinstance(merged["cache_path"], str):
        raise SearchSettingsError("ENTRAIDE_SEARCH['cache_path'] must be a string (a folder)")
    merged["cache_path"] = merged["cache_path"] or (settings.get("ENTRAIDE") or {}).get("cache_path") or ".cache"
    return merged


def check_settings(pelican) -> None:
    search_settings(pelican.settings)


def index_site(pelican) -> None:
    settings = search_settings(pelican.settings)
    if not settings["enabled"]:
        return
    output = Path(pelican.output_path)
    sources = sorted(output.glob(settings["glob"]))
    fingerprint = fingerprint_of(output, sources, settings)
    stamp = Path(settings["cache_path"]) / "search-fingerprint"
    if (output / BUNDLE / "pagefind.js").exists() and stamp.exists() and stamp.read_text() == fingerprint:
        log.info("search: %d entry pages unchanged, index left alone", len(sources))
        return
    with tempfile.TemporaryDirectory(prefix="entraide-search-") as scratch:
        run_pagefind(output, Path(scratch), settings)
        written = sync_folder(Path(scratch), output / BUNDLE)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)
    log.info("search: %d entry pages indexed, %d index files written", len(sources), written)


def fingerprint_of(output: Path, sources: list[Path], settings: dict[str, Any]) -> str:
    """Changes when an indexed page, the settings or Pagefind's version change."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"{version('pagefind')}|{settings['glob']}|{settings['language']}|{output}".encode())
    for path in sources:
        stat = path.stat()
        digest.update(f"{path.relative_to(output)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def run_pagefind(site: Path, bundle: Path, settings: dict[str, Any]) -> None:
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site),
        "--output-path",
        str(bundle),
        "--glob",
        settings["glob"],
        "--force-language",
        settings["language"],
        "--silent",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"Pagefind failed to index {site} (exit {result.returncode}); is `pagefind[extended]` "
            f"installed (`pip install -e '.[site]'`)?\n{result.stdout}{result.stderr}"
        )


def sync_folder(source: Path, target: Path) -> int:
    """Make `target` hold exactly `source`'s files, writing only those whose bytes differ."""
    written = 0
    wanted = {path.relative_to(source) for path in source.rglob("*") if path.is_file()}
    for relative in sorted(wanted):
        destination = target / relative
        if destination.exists() and filecmp.cmp(source / relative, destination, shallow=False):
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, destination.with_name(destination.name + ".tmp"))
        os.replace(destination.with_name(destination.name + ".tmp"), destination)
        written += 1
    if target.exists():
        for stale in [p for p in target.rglob("*") if p.is_file() and p.relative_to(target) not in wanted]:
            stale.unlink()
    return written
