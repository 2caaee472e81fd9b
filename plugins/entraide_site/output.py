"""The output folder, written so that a rebuild only touches what changed.

A page whose inputs have the same fingerprint as last time, and whose file is still the one we wrote,
is not rendered again. A rendered page whose bytes equal the file on disk is not written (its mtime
stays). Files we wrote last time and no longer produce (an expired entry's page) are removed.
The manifest of fingerprints lives in the cache folder, never in the published output.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

Record = tuple[str, int, int]  # (fingerprint, size, mtime_ns) of a file we wrote


class OutputFolder:
    def __init__(self, root: Path, manifest_file: Path) -> None:
        self.root = root
        self.manifest_file = manifest_file
        self.previous_inputs, self.previous = _read_manifest(manifest_file)
        self.current: dict[str, Record] = {}
        self.written: list[str] = []

    def unchanged_since(self, inputs: str) -> bool:
        """Whether the last build read exactly these inputs and its files are all still as it left them."""
        if inputs != self.previous_inputs:
            return False
        return all(self._intact(name, record) for name, record in self.previous.items())

    def is_current(self, name: str, fingerprint: str) -> bool:
        """Whether `name` was produced from the same inputs and is still on disk as we left it."""
        record = self.previous.get(name)
        if record is None or record[0] != fingerprint or not self._intact(name, record):
            return False
        self.current[name] = record
        return True

    def _intact(self, name: str, record: Record) -> bool:
        try:
            stat = os.stat(os.path.join(self.root, name))  # os.path: pathlib costs more than the stat itself
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == record[1:]

    def write(self, name: str, data: bytes, fingerprint: str) -> None:
        """Write `data` to `name` unless the file already holds exactly these bytes."""
        record, written = write_if_changed(self.root / name, data, fingerprint)
        self.remember(name, record, written)

    def remember(self, name: str, record: Record, was_written: bool) -> None:
        """Record a file written by a worker process."""
        self.current[name] = record
        if was_written:
            self.written.append(name)

    def remove_stale(self) -> list[str]:
        """Remove the files we produced last time and not this time, then the folders left empty."""
        stale = sorted(set(self.previous) - set(self.current))
        for name in stale:
            (self.root / name).unlink(missing_ok=True)
            _remove_empty_parents(self.root / name, self.root)
        return stale

    def save_manifest(self, inputs: str) -> None:
        """Remember what this build read and wrote; only called when the build succeeded."""
        if self.current == self.previous and inputs == self.previous_inputs:
            return
        self.manifest_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.manifest_file.with_suffix(f".{os.getpid()}.tmp")  # two builds at once never share it
        temporary.write_bytes(pickle.dumps((inputs, self.current), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, self.manifest_file)


def write_if_changed(path: Path, data: bytes, fingerprint: str) -> tuple[Record, bool]:
    """The file's record, and whether it was written: unchanged bytes are left alone, mtime included.

    Plain os calls on a string path: 130,000 pages make the cost of each system call count.
    """
    name = str(path)
    try:
        stat = os.stat(name)
    except FileNotFoundError:
        stat = None
    if stat is not None and stat.st_size == len(data) and _read(name) == data:
        return (fingerprint, stat.st_size, stat.st_mtime_ns), False
    try:
        descriptor = os.open(name, _WRITE, 0o644)
    except FileNotFoundError:  # a new page: its folder is made only then
        os.makedirs(os.path.dirname(name), exist_ok=True)
        descriptor = os.open(name, _WRITE, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        stat = os.fstat(descriptor)
    finally:
        os.close(descriptor)
    return (fingerprint, stat.st_size, stat.st_mtime_ns), True


_WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


def _read(name: str) -> bytes:
    with open(name, "rb") as stream:
        return stream.read()


def _remove_empty_parents(path: Path, root: Path) -> None:
    folder = path.parent
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _read_manifest(manifest_file: Path) -> tuple[str, dict[str, Record]]:
    try:
        inputs, records = pickle.loads(manifest_file.read_bytes())  # noqa: S301 - our own cache file
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
        return "", {}
    return inputs, records
