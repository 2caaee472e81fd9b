"""Indexing the published entries: records, shards, Pagefind for the shards that changed, the files written.

`index_entries` runs in the process the search plugin forks (search.py), and on its own in the tests and
the benchmark. It returns the manifest the next build compares with: the fingerprint of each shard's
records, and the size and modification time of every file of the bundle.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

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
from .records import Published, record_of
from .service import PagefindService
from .shards import fingerprint, processes, shard_count, split


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


def search_salt(language: str) -> str:
    """Changes when what makes the index changes: this plugin's code, Pagefind's version, the language."""
    digest = hashlib.blake2b(f"{version('pagefind')}|{language}".encode(), digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def index_entries(entries: Sequence[Published], output: Path, previous: Manifest, salt: str, language: str) -> Outcome:
    """Records are made shard by shard, when needed, and dropped: at 100,000 entries they weigh 100 MB."""
    count = shard_count(len(entries), len(previous.shards))
    shards = split(entries, count)
    prints = [fingerprint(map(record_of, shard), f"{salt}|{count}") for shard in shards]
    todo = [n for n in range(count) if shards[n] and not _still_current(n, prints[n], previous, output)]
    bundle = output / BUNDLE
    names = [str(n) for n in range(count) if shards[n]]
    _index_shards(output, {n: shards[n] for n in todo}, language)
    remove_other_shards(bundle, names)
    write_shard_list(bundle, len(entries), names)
    files = stamps(output)
    written = sum(1 for name in previous.files.keys() | files.keys() if previous.files.get(name) != files.get(name))
    return Outcome(Manifest(salt=salt, shards=prints, files=files), len(entries), todo, written)


def _still_current(shard: int, print_: str, previous: Manifest, output: Path) -> bool:
    """Same records as last time, and its files (and the script it needs) untouched since."""
    if shard >= len(previous.shards) or previous.shards[shard] != print_:
        return False
    prefix = f"{BUNDLE}/{shard}/"
    mine = {
        name: stamp for name, stamp in previous.files.items() if name.startswith(prefix) or name == f"{BUNDLE}/{SCRIPT}"
    }
    return intact(output, mine)


def _index_shards(output: Path, shards: dict[int, list[Published]], language: str) -> None:
    """Pagefind works on one core: while shards are small, one process per CPU, each with its share of them."""
    if not shards:
        return
    numbers = list(shards)
    at_once = processes(list(shards.values()), os.cpu_count() or 1)
    shares = [{n: shards[n] for n in numbers[start::at_once]} for start in range(at_once)]
    with ThreadPoolExecutor(at_once) as pool:
        scripts = list(pool.map(lambda share: _index_share(output / BUNDLE, share, language), shares))
    write_files(output / BUNDLE, {SCRIPT: scripts[0]}, remove_others=False)


def _index_share(bundle: Path, shards: dict[int, list[Published]], language: str) -> bytes:
    """Index and write each shard of the share; Pagefind's script, for the bundle's root.

    A Pagefind process for each shard: one that indexed shard after shard grew to 500 MB at 100,000 entries
    (an index's memory is not all given back), against 150 MB for one shard of 3,125 entries.
    """
    script = b""
    for number, entries in shards.items():
        with PagefindService(language) as pagefind:
            files = pagefind.index(map(record_of, entries))
        write_files(bundle / str(number), shard_files(files, language))
        script = files[SCRIPT]
    return script


# --- The manifest, kept in the cache folder, never published ---------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    """The last manifest, or an empty one (first build, or a cache from another version: index everything)."""
    try:
        return Manifest(**pickle.loads(path.read_bytes()))  # noqa: S301 - our own cache file
    except (OSError, EOFError, pickle.UnpicklingError, TypeError, ValueError):
        return Manifest()


def save_manifest(path: Path, manifest: Manifest) -> None:
    """Plain data in the file (not the class, which Pelican and the tests import under different names)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(pickle.dumps(asdict(manifest), protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(temporary, path)
