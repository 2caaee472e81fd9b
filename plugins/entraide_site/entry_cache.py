"""Entries read through a cache, so that a rebuild does not parse and check unchanged YAML files again.

The cache maps each file's (path, mtime_ns, size) to its checked Entry. It is stamped with a digest of
the shared core (schema, communes, code): when the rules change, every file is checked again. Files that
changed are read with the core's `read_entry`, in parallel when there are many.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
from functools import cache
from importlib import resources
from pathlib import Path

from entraide.entries import Entry, FileProblem, InvalidEntries, entry_paths, read_entry
from entraide.schema import Problem

PARALLEL_FROM = 2000  # below this, starting processes costs more than it saves

Stat = tuple[int, int]  # (mtime_ns, size)


def load_entries_cached(root: Path, cache_file: Path, workers: int) -> list[Entry]:
    """Every entry below `root`, like entraide.entries.load_entries, reusing what the cache already checked."""
    if not root.is_dir():
        return []
    cached = _read_cache(cache_file)
    files = {str(path): _stat(path) for path in entry_paths(root)}
    misses = [path for path, stat in files.items() if path not in cached or cached[path][0] != stat]
    fresh, problems = _read_files(misses, root, workers)
    if problems:
        raise InvalidEntries(problems)
    entries = {path: (stat, fresh[path] if path in fresh else cached[path][1]) for path, stat in files.items()}
    _refuse_duplicate_ids([(path, entry) for path, (_, entry) in entries.items()], root)
    if misses or len(cached) != len(files):
        _write_cache(cache_file, entries)
    return [entry for _, entry in entries.values()]


def _stat(path: Path) -> Stat:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _read_files(paths: list[str], root: Path, workers: int) -> tuple[dict[str, Entry], list[FileProblem]]:
    if len(paths) >= PARALLEL_FROM and workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.starmap(read_entry, [(Path(p), root) for p in paths], chunksize=256)
    else:
        results = [read_entry(Path(p), root) for p in paths]
    entries, problems = {}, []
    for path, (entry, found) in zip(paths, results):
        problems += found
        if entry is not None:
            entries[path] = entry
    return entries, problems


def _refuse_duplicate_ids(entries: list[tuple[str, Entry]], root: Path) -> None:
    seen: dict[str, str] = {}
    problems = []
    for path, entry in entries:
        if entry.id in seen:
            shown = os.path.relpath(path, root.parent)
            problems.append(FileProblem(shown, 1, Problem("id", f"déjà utilisé par {seen[entry.id]} : chaque annonce "
                                                                "doit avoir un id unique")))
        seen.setdefault(entry.id, os.path.relpath(path, root.parent))
    if problems:
        raise InvalidEntries(problems)


@cache
def core_stamp() -> str:
    """A digest of the shared core's code and data: entries checked by another version are checked again."""
    digest = hashlib.blake2b(digest_size=16)
    package = resources.files("entraide")
    for item in sorted([*package.iterdir(), *(package / "data").iterdir()], key=lambda p: p.name):
        if item.is_file() and item.name.endswith((".py", ".json", ".geojson")):
            digest.update(item.name.encode() + item.read_bytes())
    return digest.hexdigest()


def _read_cache(cache_file: Path) -> dict[str, tuple[Stat, Entry]]:
    try:
        with cache_file.open("rb") as stream:
            stamp, entries = pickle.load(stream)  # noqa: S301 - our own cache file, in a git-ignored folder
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        return {}
    return entries if stamp == core_stamp() else {}


def _write_cache(cache_file: Path, entries: dict[str, tuple[Stat, Entry]]) -> None:
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = cache_file.with_suffix(".tmp")
    with temporary.open("wb") as stream:
        pickle.dump((core_stamp(), entries), stream, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, cache_file)
