"""Search without a server: a Pagefind index made from the published entries, while the pages are written.

    all generators ready → nothing changed since the last index? stop → fork: index_entries (indexing.py:
    records → shards → Pagefind for the shards whose records changed → files); meanwhile the site renders
    its pages → SearchGenerator.generate_output: wait for the index, remember what was written

The index is made from the data, not from the written HTML, so it does not wait for the pages: it is made in
a process of its own while the site plugin renders, and it never re-reads 10,000 pages. It is split in
shards (shards.py): a new or edited entry re-indexes one shard. With no entry at all, there is no index, and
the search box says there is nothing to search yet.

Settings, in one namespaced dict checked at start-up (every key optional):
    ENTRAIDE_SEARCH = {
        "enabled": True,        # False: no index, the search box keeps its links to the lists
        "language": "fr",       # one language for the whole index (stemming, stop words)
        "cache_path": "",       # folder keeping what the last index was made from and wrote;
    }                           # empty: the site plugin's ENTRAIDE["cache_path"], else .cache/
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from pelican import signals

from .bundle import intact
from .indexing import Manifest, Outcome, index_entries, read_manifest, save_manifest, search_salt
from .records import Published
from .service import SearchIndexError

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {"enabled": True, "language": "fr", "cache_path": ""}


class SearchSettingsError(ValueError):
    """ENTRAIDE_SEARCH holds a key or a value the plugin cannot use."""


def register() -> None:
    signals.initialized.connect(check_settings)
    signals.get_generators.connect(get_generators)
    signals.all_generators_finalized.connect(start_indexing)


def get_generators(pelican: object) -> type[SearchGenerator]:
    return SearchGenerator


def search_settings(settings: dict[str, Any]) -> dict[str, Any]:
    given = settings.get("ENTRAIDE_SEARCH") or {}
    unknown = set(given) - set(DEFAULTS)
    if unknown:
        raise SearchSettingsError(f"ENTRAIDE_SEARCH: unknown keys {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    merged = {**DEFAULTS, **given}
    if not isinstance(merged["language"], str) or not merged["language"]:
        raise SearchSettingsError("ENTRAIDE_SEARCH['language'] must be a non-empty string")
    if not isinstance(merged["cache_path"], str):
        raise SearchSettingsError("ENTRAIDE_SEARCH['cache_path'] must be a string (a folder)")
    merged["cache_path"] = merged["cache_path"] or (settings.get("ENTRAIDE") or {}).get("cache_path") or ".cache"
    return merged


def check_settings(pelican: Any) -> None:
    search_settings(pelican.settings)


class Site(Protocol):
    """What the search needs of the entraide_site generator."""

    unchanged: bool  # nothing read by the site changed since its last build, and its files are as it left them
    inputs: str  # a digest of everything the site read

    def published(self) -> Any: ...  # the catalogue: `.entries`, the published entries


def start_indexing(generators: Sequence[Any]) -> None:
    search = next((g for g in generators if isinstance(g, SearchGenerator)), None)
    site = next((g for g in generators if hasattr(g, "published")), None)
    if search and site:
        search.start(site)
    elif search:
        log.warning("search: the entraide_site plugin is not loaded, no index is made")


class SearchGenerator:
    """Pelican runs its generate_output after the site plugin's: the index is then waited for."""

    def __init__(
        self, context: dict[str, Any], settings: dict[str, Any], path: str, theme: str, output_path: str, **_: Any
    ) -> None:
        self.settings = search_settings(settings)
        self.output = Path(output_path)
        self.manifest_file = (
            Path(self.settings["cache_path"]) / f"search-{_digest(str(self.output.resolve()))[:16]}.pickle"
        )
        self.job: IndexJob | None = None
        self.site_inputs = ""

    def generate_context(self) -> None:
        pass

    def start(self, site: Site) -> None:
        if not self.settings["enabled"]:
            return
        previous = read_manifest(self.manifest_file)
        salt = search_salt(self.settings["language"])
        if (
            site.unchanged
            and previous.site_inputs == site.inputs
            and previous.salt == salt
            and intact(self.output, previous.files)
        ):
            log.info("search: nothing changed, index left alone")
            return
        self.site_inputs = site.inputs
        entries = site.published().entries
        self.job = IndexJob(entries, self.output, previous, salt, self.settings["language"])

    def generate_output(self, writer: Any) -> None:
        if self.job is None:
            return
        outcome = self.job.result()
        self.job = None
        outcome.manifest.site_inputs = self.site_inputs
        save_manifest(self.manifest_file, outcome.manifest)
        log.info(
            "search: %d entries in %d shards, %d indexed again (%s), %d files written in %.2f s",
            outcome.entries,
            len(outcome.manifest.shards),
            len(outcome.indexed),
            ", ".join(map(str, outcome.indexed)) or "none",
            outcome.written,
            outcome.seconds,
        )


# --- Indexing, in a process of its own ------------------------------------------------------------------------


class IndexJob:
    """`index_entries` in a forked process, started before the site renders its pages (and forks its workers)."""

    def __init__(
        self, entries: Sequence[Published], output: Path, previous: Manifest, salt: str, language: str
    ) -> None:
        context = multiprocessing.get_context("fork")
        self.started = time.perf_counter()
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_run, args=(sender, entries, output, previous, salt, language), name="entraide-search", daemon=True
        )
        self.process.start()
        sender.close()

    def result(self) -> Outcome:
        try:
            outcome = self.receiver.recv()
        except EOFError:
            outcome = f"the search indexing process stopped (exit code {self.process.exitcode})"
        finally:
            self.process.join()
        if isinstance(outcome, str):
            raise SearchIndexError(f"The search index was not made:\n{outcome}")
        outcome.seconds = time.perf_counter() - self.started
        return outcome


def _run(sender: Any, *arguments: Any) -> None:
    try:
        sender.send(index_entries(*arguments))
    except BaseException:  # whatever it is, the parent reports it and fails the build
        sender.send(traceback.format_exc())
    finally:
        sender.close()


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
