"""The one pipeline of entry files: read → parse → schema and territory → content rules → findings.

The build (`load`), `entraide check`, `pending` and `approve` (moderation.checks) and the endpoint's
backends read entry files only through here, so a file is refused everywhere for the same reasons and in
the same words: `file:line: key: message`, as a compiler prints them. An error keeps the entry out (the
build stops, `entraide check` exits 1); a warning (a payment mention, a hidden file) is shown and people
decide. Many files go through one process pool (`map_files`); the build keeps what it read in a cache
keyed by each file's modification time and size.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import yaml

import entraide
from entraide.communes import load_communes
from entraide.entries import Entry, check, key_line, parse
from entraide.rules import payment_flags

ERROR, WARNING = "error", "warning"
T = TypeVar("T")
FilePath = Path | str  # the build hands plain strings to its workers: 100,000 Path objects cost
Stamp = tuple[int, int]  # (mtime_ns, size): a file not rewritten since it was last read
PARALLEL_FROM = 2000  # below this, starting worker processes costs more than it saves
CHUNK_SIZE = 250
FOLDER_README = "README.md"  # submissions/README.md keeps the folder in git when no entry is left


@dataclass(frozen=True, order=True)
class Finding:
    """One problem (error) or one thing to look at (warning), printed `file:line: key: message`."""

    path: str
    line: int
    key: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        warning = "avertissement : " if self.severity == WARNING else ""
        return f"{self.path}:{self.line}: {self.key or 'fichier'}: {warning}{self.message}"


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR]


# --- One file ------------------------------------------------------------------------------------------


class KeyLines:
    """Where each top-level key is written: one scan for `key:` at line starts, the YAML parser otherwise."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: dict[str, int] = {}
        for number, line in enumerate(text.split("\n"), 1):
            if line[:1].isalpha():
                self.lines.setdefault(line.partition(":")[0], number)

    def __getitem__(self, key: str) -> int:
        if not key:
            return 1
        if key not in self.lines:
            self.lines[key] = key_line(self.text, key)  # quoted keys, flow style: rare, so parse again
        return self.lines[key]


@dataclass
class EntryFile:
    """One entry file through the pipeline: its text and data as read, its findings, its entry when valid."""

    path: FilePath
    text: str = ""
    data: Any = None
    findings: list[Finding] = field(default_factory=list)
    entry: Entry | None = None
    parsed: bool = False  # read and parsed: `data` is whatever the YAML holds, even nothing

    @functools.cached_property
    def lines(self) -> KeyLines:
        return KeyLines(self.text)

    def finding(self, key: str, message: str, severity: str = ERROR) -> Finding:
        return Finding(shown(self.path), self.lines[key], key, message, severity)


def read_file(path: FilePath) -> EntryFile:
    """Read and parse, no rule applied: what an entry compared with, not checked, needs."""
    try:
        with open(path, "rb") as stream:
            text = stream.read().decode("utf-8")
    except OSError as error:
        return _unreadable(path, 1, f"fichier illisible ({error.strerror}) : vérifiez ses droits")
    except UnicodeDecodeError:
        return _unreadable(path, 1, "le fichier n'est pas en UTF-8 : réenregistrez-le en UTF-8")
    return read_text(text, path)


def read_text(text: str, path: FilePath) -> EntryFile:
    """Parse text read from the file at `path` (or from GitHub); a YAML error is a finding on its line."""
    try:
        data = parse(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return _unreadable(
            path,
            mark.line + 1 if mark else 1,
            f"YAML illisible ({getattr(error, 'problem', error)}) : vérifiez l'indentation et les guillemets",
            text,
        )
    return EntryFile(path, text, data, parsed=True)


def _unreadable(path: FilePath, line: int, message: str, text: str = "") -> EntryFile:
    return EntryFile(path, text, findings=[Finding(shown(path), line, "", message)])


def check_file(path: FilePath) -> EntryFile:
    """Every rule of one file: read, parse, then `apply_rules`."""
    return apply_rules(read_file(path))


def check_text(text: str, path: FilePath) -> EntryFile:
    """Every rule of a file's text read elsewhere (from GitHub); `path` is where the file lives."""
    return apply_rules(read_text(text, path))


def apply_rules(file: EntryFile) -> EntryFile:
    """The schema, the file's name and folder, the location and dates, the content rules (`entries.check`:
    errors), then payment mentions (warnings); the entry when nothing is an error."""
    if not file.parsed:
        return file
    problems = check(file.data, filename=os.fspath(file.path))
    file.findings += [file.finding(p.key, p.message) for p in problems]
    if isinstance(file.data, dict):
        flags = payment_flags(file.data)
        file.findings += [file.finding(f.key, payment_message(f.excerpt), WARNING) for f in flags]
    if not problems:
        file.entry = Entry.from_data(file.data)
    return file


def payment_message(excerpt: str) -> str:
    return (
        f"mention de paiement (« {excerpt} ») : l'aide est gratuite ; acceptez un remboursement de frais "
        "(courses), refusez une demande de paiement"
    )


def read_entry(path: FilePath) -> tuple[Entry | None, list[Finding]]:
    """One file's entry (None when it has an error) and findings: all the build needs, cheap to send between
    processes."""
    file = check_file(path)
    return file.entry, file.findings


# --- Where entry files are -----------------------------------------------------------------------------


def collect(paths: Iterable[Path]) -> tuple[dict[str, Stamp], list[Finding]]:
    """Entry files under `paths` (folders laid out like submissions/, commune folders, or files), with their
    stamps, in a stable order; and what is out of place: strays are errors, hidden files warnings."""
    found = _Found()
    for path in paths:
        if path.is_file():
            found.files[str(path)] = _stamp(path.stat())
        elif not path.is_dir():
            found.add(shown(path), "fichier ou dossier introuvable : vérifiez le chemin")
        elif path.name in load_communes().by_slug:
            _collect_commune(str(path), found)
        else:
            _collect_root(str(path), found)
    return found.files, found.findings


def entry_paths(root: Path) -> list[Path]:
    """Every entry file below `root` (what is out of place is reported by `collect`)."""
    return [Path(path) for path in collect([root])[0]]


@dataclass
class _Found:
    files: dict[str, Stamp] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def add(self, shown_path: str, message: str, severity: str = ERROR) -> None:
        self.findings.append(Finding(shown_path, 1, "", message, severity))


def _collect_root(root: str, found: _Found) -> None:
    for child in _children(root, found):
        if child.name == FOLDER_README:
            continue
        if not child.is_dir():
            found.add(
                shown(child.path),
                f"fichier hors d'un dossier de commune : déplacez-le dans {shown(root)}/<commune>/ "
                "(par exemple grenoble/)",
            )
            continue
        if child.name not in load_communes().by_slug:
            found.add(
                shown(child.path) + "/",
                "dossier inconnu : chaque dossier porte le nom d'une commune (par exemple grenoble/, "
                "saint-egreve/) ; déplacez ses fichiers dans le bon dossier",
            )
        _collect_commune(child.path, found)


def _collect_commune(folder: str, found: _Found) -> None:
    for child in _children(folder, found):
        if child.is_file():
            found.files[child.path] = _stamp(child.stat())
        else:
            found.add(
                shown(child.path) + "/",
                f"sous-dossier inattendu : les annonces sont directement dans {shown(folder)}/ ; "
                "déplacez-les et supprimez ce dossier",
            )


def _children(folder: str, found: _Found) -> list[os.DirEntry[str]]:
    """The folder's items by name, hidden ones reported and left out; os.scandir keeps 100,000 files cheap."""
    with os.scandir(folder) as items:
        children = sorted(items, key=lambda item: item.name)
    for child in children:
        if child.name.startswith("."):
            found.add(shown(child.path), "fichier caché ignoré par le site : supprimez-le", WARNING)
    return [child for child in children if not child.name.startswith(".")]


def _stamp(status: os.stat_result) -> Stamp:
    return status.st_mtime_ns, status.st_size


def shown(path: FilePath) -> str:
    """The path as people and GitHub annotations expect it: relative to the current folder when inside it."""
    folder, name = os.path.split(os.fspath(path))
    folder = _shown_folder(folder or ".", os.getcwd())
    return name if folder == "." else f"{folder}/{name}"


@functools.lru_cache(maxsize=4096)
def _shown_folder(folder: str, cwd: str) -> str:
    """Once per folder: relpath costs more than checking a file's dates, 50,000 times over."""
    relative = os.path.relpath(folder, cwd)
    return folder if relative.startswith("..") else relative


# --- Many files ----------------------------------------------------------------------------------------


def map_files(work: Callable[[Any], T], files: Sequence[FilePath], workers: int | None = None) -> Iterator[T]:
    """`work` on each file, in order, over every core when there are enough files to be worth it."""
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(files) < PARALLEL_FROM:
        yield from map(work, files)
        return
    import multiprocessing  # here: the endpoint reads one file at a time, and its cold start counts

    check({})  # load the schema and the communes once, before the workers are forked
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(work, files, chunksize=CHUNK_SIZE)


def repeated(items: Iterable[T], key: Callable[[T], str | None]) -> Iterator[tuple[T, T]]:
    """(item, first) for each item whose key an earlier item already had; give the items oldest first."""
    first: dict[str, T] = {}
    for item in items:
        value = key(item)
        if value and value in first:
            yield item, first[value]
        elif value:
            first[value] = item


def duplicate_id(path: str, line: int, entry_id: str, first: str) -> Finding:
    return Finding(
        path,
        line,
        "id",
        f"« {entry_id} » est déjà l'id de {first} : chaque annonce doit avoir un id unique ; renommez "
        "l'une des deux (id et nom du fichier)",
    )


# --- The build's load ----------------------------------------------------------------------------------


class InvalidEntries(Exception):
    """Some entry files have errors: nothing should be built or counted from them."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings  # errors and warnings, sorted as `entraide check` prints them
        super().__init__("\n".join(str(f) for f in findings))

    @property
    def errors(self) -> list[Finding]:
        return errors(self.findings)


@dataclass(frozen=True)
class Loaded:
    entries: list[Entry]
    warnings: list[Finding]


def load(root: Path | str, *, cache_path: Path | None = None, workers: int | None = None) -> Loaded:
    """Every entry below `root` and the warnings on them; raises InvalidEntries when any file has an error.

    With `cache_path`, files whose size and modification time are unchanged since the last load are not
    read again (their warnings are kept with them).
    """
    root = Path(root)
    if not root.is_dir():
        return Loaded([], [])
    files, findings = collect([root])
    cached, warned = _read_cache(cache_path)
    fresh = [path for path, stamp in files.items() if cached.get(path, _NOT_CACHED)[0] != stamp]
    for path, (entry, found) in zip(fresh, map_files(read_entry, fresh, workers), strict=True):
        cached[path] = (files[path], entry)
        warned[path] = tuple(found)
    known = {path: cached[path][1] for path in files}
    warned = {path: found for path, found in warned.items() if found and path in files}
    findings += [replace(f, path=shown(path)) for path, found in warned.items() for f in found]  # cwd may differ
    if not errors(findings):
        findings += _duplicate_ids(known)
    if errors(findings):
        raise InvalidEntries(sorted(findings))
    if cache_path and (fresh or len(cached) != len(files)):
        _write_cache(cache_path, {path: cached[path] for path in files}, warned)
    return Loaded([entry for entry in known.values() if entry], sorted(findings))


def load_entries(root: Path | str, **options: Any) -> list[Entry]:
    """Every entry below `root` (`load` without the warnings)."""
    return load(root, **options).entries


_NOT_CACHED: tuple[None, None] = (None, None)


def _duplicate_ids(entries: dict[str, Entry]) -> list[Finding]:
    """The same id twice is an error on the newer file; only the few twins have their `id:` line looked up."""
    counts = Counter(entry.id for entry in entries.values())
    twins = sorted(
        (entry.created, shown(path), path, entry.id) for path, entry in entries.items() if counts[entry.id] > 1
    )
    return [
        duplicate_id(name, KeyLines(Path(path).read_text("utf-8"))["id"], entry_id, first[1])
        for (_, name, path, entry_id), first in repeated(twins, lambda twin: twin[3])
    ]


@functools.cache
def _cache_version() -> str:
    """Entries read stay valid while the core's code and data (schema, communes, content rules) are unchanged."""
    core = Path(entraide.__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*core.glob("*.py"), *(core / "data").glob("*.*json")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


Cache = dict[str, tuple[Stamp, Entry]]
Warned = dict[str, tuple[Finding, ...]]


def _read_cache(cache_path: Path | None) -> tuple[Cache, Warned]:
    if not cache_path or not cache_path.is_file():
        return {}, {}
    try:
        with cache_path.open("rb") as stream:
            version, known, warned = pickle.load(stream)  # noqa: S301 - our own cache file, written below
    except (OSError, pickle.PickleError, EOFError, ValueError, AttributeError, TypeError):
        return {}, {}
    return (known, warned) if version == _cache_version() else ({}, {})


def _write_cache(cache_path: Path, known: Cache, warned: Warned) -> None:
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = cache_path.with_suffix(".tmp")
    with temporary.open("wb") as stream:
        pickle.dump((_cache_version(), known, warned), stream, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, cache_path)
