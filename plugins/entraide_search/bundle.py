"""The search bundle in the output folder: Pagefind's script, one folder per shard, and a list of the shards.

    pagefind/pagefind.js         what the search box imports (Pagefind's JS API)
    pagefind/shards.json         {"entries": 10000, "shards": ["0", "1", "2", "3"]}: the search box merges them all
    pagefind/<n>/                one Pagefind index: pagefind-entry.json, its .pf_meta, index/, filter/, fragment/,
                                 and Pagefind's worker and WebAssembly (loaded from whichever shard comes first)

Pagefind writes a shard into its folder, leaving alone the index files already there (they are named by a
hash of their bytes). Then the folder is tidied: the files Pagefind writes for its own search UI go, and so
do index files the new .pf_meta no longer names (an edited entry's old fragment). What is left is
remembered (size and modification time) so that the next build can tell, without reading them, that the
files are still as it left them.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

BUNDLE = "pagefind"
SCRIPT = "pagefind.js"
SHARD_LIST = "shards.json"
Stamps = dict[str, tuple[int, int]]  # file, relative to the output folder → (size, mtime_ns)

_HASHED_FOLDERS = ("index", "filter", "fragment")  # files named by a hash of their bytes


def tidy_shard(folder: Path, bundle: Path, language: str) -> None:
    """Keep what the search box loads from the shard Pagefind just wrote; its script goes to the bundle's root."""
    entry = json.loads((folder / "pagefind-entry.json").read_text())
    meta_name = f"pagefind.{entry['languages'][language]['hash']}.pf_meta"
    names = gzip.decompress((folder / meta_name).read_bytes())  # names every live index file
    _publish_script(folder / SCRIPT, bundle / SCRIPT)
    keep = {"pagefind-entry.json", "pagefind-worker.js", f"wasm.{language}.pagefind", meta_name}
    with os.scandir(folder) as items:
        for item in items:
            if item.is_dir(follow_symlinks=False) and item.name in _HASHED_FOLDERS:
                _tidy_index_folder(item.path, names)
            elif item.is_dir(follow_symlinks=False):
                shutil.rmtree(item.path)  # Pagefind's playground, should a version write it
            elif item.name not in keep:
                os.unlink(item.path)


def _tidy_index_folder(folder: str, names: bytes) -> None:
    """Remove the index files the shard's metadata no longer names (an edited entry's old fragment)."""
    with os.scandir(folder) as items:
        for item in items:
            if item.name.rsplit(".", 1)[0].encode() not in names:
                os.unlink(item.path)


def _publish_script(written: Path, published: Path) -> None:
    """One copy of Pagefind's script, at the root, rewritten only when Pagefind's version changed it."""
    if published.exists() and published.read_bytes() == written.read_bytes():
        written.unlink()
    else:
        os.replace(written, published)


def write_files(folder: Path, files: dict[str, bytes]) -> int:
    """Write the files whose bytes differ from what `folder` holds; how many were written."""
    written = 0
    for relative, data in files.items():
        path = folder / relative
        if path.exists() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        written += 1
    return written


def write_shard_list(bundle: Path, entries: int, shards: list[str]) -> int:
    text = json.dumps({"entries": entries, "shards": shards}, separators=(",", ":")) + "\n"
    return write_files(bundle, {SHARD_LIST: text.encode()})


def remove_other_shards(bundle: Path, shards: list[str]) -> None:
    """Folders of shards no longer produced (fewer entries, or none), and a script no longer needed."""
    if not bundle.is_dir():
        return
    for folder in bundle.iterdir():
        if folder.is_dir() and folder.name not in shards:
            shutil.rmtree(folder)
    if not shards:
        (bundle / SCRIPT).unlink(missing_ok=True)


def stamps(output: Path) -> Stamps:
    """Every file of the bundle, as the next build will check it."""
    found: Stamps = {}
    skip = len(str(output)) + 1
    pending = [str(output / BUNDLE)] if (output / BUNDLE).is_dir() else []
    while pending:
        with os.scandir(pending.pop()) as items:
            for item in items:
                if item.is_dir(follow_symlinks=False):
                    pending.append(item.path)
                else:
                    stat = item.stat()
                    found[item.path[skip:]] = (stat.st_size, stat.st_mtime_ns)
    return found


def intact(output: Path, files: Stamps) -> bool:
    """Whether every file is still as the last build left it (a missing or edited file is not)."""
    for relative, stamp in files.items():
        try:
            stat = os.stat(os.path.join(output, relative))
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != stamp:
            return False
    return True
