"""The search bundle in the output folder: Pagefind's script, one folder per shard, and a list of the shards.

    pagefind/pagefind.js         what the search box imports (Pagefind's JS API)
    pagefind/shards.json         {"entries": 10000, "shards": ["0", "1", "2", "3"]}: the search box merges them all
    pagefind/<n>/                one Pagefind index: pagefind-entry.json, its .pf_meta, index/, filter/, fragment/,
                                 and Pagefind's worker and WebAssembly (loaded from whichever shard comes first)

Index files are named by a hash of their bytes, so one already there is the same file and is not written
again; the other files are written only when their bytes differ; files no longer produced (an edited
entry's old fragment) are removed. What is left is remembered (size and modification time) so that the
next build can tell, without reading them, that the files are still as it left them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

BUNDLE = "pagefind"
SCRIPT = "pagefind.js"
SHARD_LIST = "shards.json"
Stamps = dict[str, tuple[int, int]]  # file, relative to the output folder → (size, mtime_ns)

_HASHED = ("index/", "filter/", "fragment/")
_SHARD_FILES = ("pagefind-entry.json", "pagefind-worker.js")


def shard_files(files: dict[str, bytes], language: str) -> dict[str, bytes]:
    """What a shard's folder keeps of Pagefind's files (not its UI bundles, nor another language's WebAssembly)."""
    wanted = (*_SHARD_FILES, f"wasm.{language}.pagefind")
    return {
        path: data
        for path, data in files.items()
        if path in wanted or path.startswith(_HASHED) or path.endswith(".pf_meta")
    }


def write_files(folder: Path, files: dict[str, bytes], *, remove_others: bool = True) -> None:
    """Make `folder` hold `files`: write those missing or different, and remove the others.

    Plain os calls on string paths: a first build writes one file per entry, and each call counts.
    """
    root = str(folder)
    made: set[str] = set()
    for relative, data in files.items():
        path = os.path.join(root, relative)
        if _already_there(path, relative, data):
            continue
        parent = os.path.dirname(path)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        _write(path, data, hashed=relative.startswith(_HASHED))
    if remove_others and folder.is_dir():
        _remove_others(root, len(root) + 1, files)


def _remove_others(folder: str, skip: int, files: dict[str, bytes]) -> None:
    with os.scandir(folder) as items:
        for item in items:
            if item.is_dir(follow_symlinks=False):
                _remove_others(item.path, skip, files)
            elif item.path[skip:] not in files:
                os.unlink(item.path)


def _write(path: str, data: bytes, *, hashed: bool) -> None:
    """A hashed file is new (its name is its content): written in place; others replace the old file at once."""
    target = path if hashed else path + ".tmp"
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)
    if not hashed:
        os.replace(target, path)


def _already_there(path: str, relative: str, data: bytes) -> bool:
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return False
    if relative.startswith(_HASHED) or relative.endswith(".pf_meta"):
        return size == len(data)  # named by a hash of its bytes
    with open(path, "rb") as stream:
        return size == len(data) and stream.read() == data


def write_shard_list(bundle: Path, entries: int, shards: list[str]) -> None:
    text = json.dumps({"entries": entries, "shards": shards}, separators=(",", ":")) + "\n"
    write_files(bundle, {SHARD_LIST: text.encode()}, remove_others=False)


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
