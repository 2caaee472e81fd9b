"""Search without a server: a Pagefind index made from the published entries, while the pages are written.

    all generators ready → nothing changed since the last index? stop → fork: records → shards → index the
    shards whose records changed (Pagefind's service) → write their files; meanwhile the site renders its pages
    → SearchGenerator.generate_output: wait for the index, remember what was written

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
import os
import pickle
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

from pelican import signals

from .bundle import (
    BUNDLE,
    SCRIPT,
    Stamps,
    intact,
    remove_other_shards,
    shard_files,
    stamps,
    write_files,
    write_shard_list,
)
from .records import Published, Record, record_of
from .service import PagefindService, SearchIndexError
from .shards import fingerprint, shard_count, split

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


@dataclass
class Manifest:
    """What the last index was made from and what it wrote: kept in the cache folder, never published."""

    site_inputs: str = ""
    salt: str = ""
    shards: list[str] = field(default_factory=list)  # fingerprint of each shard's records
    files: Stamps = field(default_factory=dict)


@dataclass
class Outcome:
    manifest: Manifest
    entries: int
    indexed: list[int]  # shards indexed again
    written: int  # files written or removed since the last index
    seconds: float = 0.0


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
        previous = _read_manifest(self.manifest_file)
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
        _save_manifest(self.manifest_file, outcome.manifest)
        log.info(
            "search: %d entries in %d shards, %d indexed again (%s), %d files written in %.2f s",
            outcome.entries,
            len(outcome.manifest.shards),
            len(outcome.indexed),
            ", ".join(map(str, outcome.indexed)) or "none",
            outcome.written,
            outcome.seconds,
        )


def search_salt(language: str) -> str:
    """Changes when what makes the index changes: this plugin's code, Pagefind's version, the language."""
    digest = hashlib.blake2b(f"{version('pagefind')}|{language}".encode(), digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


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


def index_entries(entries: Sequence[Published], output: Path, previous: Manifest, salt: str, language: str) -> Outcome:
    records = [record_of(entry) for entry in entries]
    count = shard_count(len(records), len(previous.shards))
    shards = split(records, count)
    prints = [fingerprint(shard, f"{salt}|{count}") for shard in shards]
    todo = [n for n in range(count) if shards[n] and not _still_current(n, prints[n], previous, output)]
    bundle = output / BUNDLE
    names = [str(n) for n in range(count) if shards[n]]
    _index_shards(output, {n: shards[n] for n in todo if shards[n]}, language)
    remove_other_shards(bundle, names)
    write_shard_list(bundle, len(records), names)
    files = stamps(output)
    written = sum(1 for name in previous.files.keys() | files.keys() if previous.files.get(name) != files.get(name))
    return Outcome(Manifest(salt=salt, shards=prints, files=files), len(records), todo, written)


def _still_current(shard: int, print_: str, previous: Manifest, output: Path) -> bool:
    """Same records as last time, and its files (and the script it needs) untouched since."""
    if shard >= len(previous.shards) or previous.shards[shard] != print_:
        return False
    prefix = f"{BUNDLE}/{shard}/"
    mine = {
        name: stamp for name, stamp in previous.files.items() if name.startswith(prefix) or name == f"{BUNDLE}/{SCRIPT}"
    }
    return intact(output, mine)


def _index_shards(output: Path, shards: dict[int, list[Record]], language: str) -> None:
    """One Pagefind process per CPU, each indexing its share of the shards (Pagefind works on one core)."""
    if not shards:
        return
    numbers = list(shards)
    processes = min(len(numbers), os.cpu_count() or 1)
    shares = [{n: shards[n] for n in numbers[start::processes]} for start in range(processes)]
    with ThreadPoolExecutor(processes) as pool:
        scripts = list(pool.map(lambda share: _index_share(output / BUNDLE, share, language), shares))
    write_files(output / BUNDLE, {SCRIPT: scripts[0]}, remove_others=False)


def _index_share(bundle: Path, shards: dict[int, list[Record]], language: str) -> bytes:
    """Index and write each shard of the share; Pagefind's script, for the bundle's root."""
    with PagefindService(language) as pagefind:
        for number, records in shards.items():
            files = pagefind.index(records)
            write_files(bundle / str(number), shard_files(files, language))
    return files[SCRIPT]


# --- The manifest -------------------------------------------------------------------------------------------------


def _read_manifest(path: Path) -> Manifest:
    """The last manifest, or an empty one (first build, or a cache from another version: index everything)."""
    try:
        return Manifest(**pickle.loads(path.read_bytes()))  # noqa: S301 - our own cache file
    except (OSError, EOFError, pickle.UnpicklingError, TypeError, ValueError):
        return Manifest()


def _save_manifest(path: Path, manifest: Manifest) -> None:
    """Plain data in the file (not the class, which Pelican and the tests import under different names)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(pickle.dumps(asdict(manifest), protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(temporary, path)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
