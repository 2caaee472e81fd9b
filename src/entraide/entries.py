"""Entries: one YAML file each, read, checked against the schema and the territory, and written.

The pure part (`check`, `to_yaml`, `parse`) does no I/O; `load_entries` and `write_entry` are the edges.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from entraide.communes import load_communes
from entraide.schema import Problem, validate

LOCATION_TOLERANCE_M = 300
PUBLIC_KEYS = (
    "id",
    "kind",
    "category",
    "commune",
    "title",
    "description",
    "name",
    "availability",
    "location",
    "created",
    "expires",
)
PRIVATE_KEYS = ("contact", "withdraw_key_hash")
KEY_ORDER = PUBLIC_KEYS + PRIVATE_KEYS


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader, keeping dates as the strings people wrote (the schema checks their format)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    kind: str
    category: str
    commune: str
    title: str
    description: str
    name: str
    created: str
    expires: str
    contact: str
    availability: str = ""
    location: tuple[float, float] | None = None  # (lon, lat), as GeoJSON orders them
    withdraw_key_hash: str = ""

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Entry:
        location = data.get("location")
        return cls(
            **{key: data[key] for key in data if key != "location"},
            location=(float(location["lon"]), float(location["lat"])) if location else None,
        )

    def __reduce__(self) -> tuple[type[Entry], tuple[Any, ...]]:
        """Pickle as a plain tuple: ten times faster to load than the dataclass default (the build cache)."""
        return Entry, tuple(getattr(self, name) for name in self.__slots__)

    def to_data(self) -> dict[str, Any]:
        """The entry as its YAML file holds it, keys in their canonical order, empty optionals left out."""
        data: dict[str, Any] = {}
        for key in KEY_ORDER:
            value = getattr(self, key)
            if key == "location" and value:
                value = {"lat": value[1], "lon": value[0]}
            if value not in ("", None):
                data[key] = value
        return data

    def public(self) -> dict[str, Any]:
        """Only what may be published: never the sealed contact nor the withdraw key hash."""
        return {key: value for key, value in self.to_data().items() if key in PUBLIC_KEYS}

    @property
    def commune_slug(self) -> str:
        return load_communes().by_code[self.commune].slug

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.created)

    @property
    def expires_on(self) -> dt.date:
        return dt.date.fromisoformat(self.expires)

    def is_active(self, today: dt.date) -> bool:
        """On the site built as of `today` (see `publication`)."""
        return publication(self.created, self.expires, today) is Publication.PUBLISHED

    def point(self) -> tuple[float, float]:
        """Where the map shows the entry: its approximate location, else a stable point inside its commune."""
        return self.location or load_communes().by_code[self.commune].point_for(self.id)


class Publication(enum.Enum):
    NOT_YET = "not yet"  # created after the day of the build
    PUBLISHED = "published"
    EXPIRED = "expired"


def publication(created: str, expires: str, today: dt.date) -> Publication:
    """Where an entry stands on the site built as of `today`: the one rule of the build (pages, feeds,
    sitemap, GeoJSON, statistics), `entraide stats` and `entraide check`.

    An entry created after that day is not published yet (a build made as of an earlier date, a date
    typed by hand); one that expired before it, no longer. Days are the author's, as `created` says them.
    """
    if dt.datetime.fromisoformat(created).date() > today:
        return Publication.NOT_YET
    if dt.date.fromisoformat(expires) < today:
        return Publication.EXPIRED
    return Publication.PUBLISHED


@dataclass(frozen=True)
class FileProblem:
    """A problem located in a file, printed `file:line: key: message` like a compiler's."""

    path: str
    line: int
    problem: Problem

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


class InvalidEntries(Exception):
    """Some entry files are invalid; nothing should be built or written from them."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def parse(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is libyaml's *safe* loader


def check(data: Any, *, filename: str | None = None) -> list[Problem]:
    """Schema problems, then what the schema cannot say: file name, folder, location and dates."""
    problems = validate(data)
    if not isinstance(data, dict):
        return problems
    bad = {p.key for p in problems}
    if filename is not None:
        problems += _check_path(data, Path(filename), bad)
    if not {"commune", "location"} & bad and data.get("location"):
        problems += _check_location(data)
    if not {"created", "expires"} & bad and "created" in data and "expires" in data:
        problems += _check_dates(data)
    return problems


def _check_dates(data: dict[str, Any]) -> list[Problem]:
    if dt.date.fromisoformat(data["expires"]) < dt.datetime.fromisoformat(data["created"]).date():
        return [Problem("expires", "la date d'expiration est antérieure à la date de création")]
    return []


def _check_path(data: dict[str, Any], path: Path, bad: set[str]) -> list[Problem]:
    problems = []
    if path.suffix != ".yaml":
        problems.append(Problem("", f"le fichier doit se terminer par .yaml : renommez-le en {path.stem}.yaml"))
    if "id" not in bad and "id" in data and data["id"] != path.stem:
        problems.append(
            Problem(
                "id",
                f"« {data['id']} » diffère du nom du fichier : renommez le fichier en "
                f"{data['id']}.yaml ou corrigez l'id",
            )
        )
    if "commune" not in bad and "commune" in data:
        commune = load_communes().by_code[data["commune"]]
        if path.parent.name != commune.slug:
            problems.append(
                Problem(
                    "commune",
                    f"{data['commune']} est {commune.name} : le fichier doit être dans le "
                    f"dossier {commune.slug}/ et non {path.parent.name}/",
                )
            )
    return problems


def _check_location(data: dict[str, Any]) -> list[Problem]:
    commune = load_communes().by_code[data["commune"]]
    distance = commune.distance_m(data["location"]["lon"], data["location"]["lat"])
    if distance > LOCATION_TOLERANCE_M:
        return [
            Problem(
                "location",
                f"le point est à {distance / 1000:.1f} km de {commune.name} : il doit être "
                f"dans la commune (tolérance {LOCATION_TOLERANCE_M} m)",
            )
        ]
    return []


def key_line(text: str, key: str) -> int:
    """The 1-based line where `key` is written, 1 when absent or unreadable: where to look for a problem."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return 1
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if key_node.value == key:
                return key_node.start_mark.line + 1
    return 1


def read_entry(path: Path, root: Path | None = None) -> tuple[Entry | None, list[FileProblem]]:
    """One entry file: the entry, or the problems that keep it out, located by file and line."""
    shown = str(path.relative_to(root.parent) if root else path)
    try:
        text = path.read_text("utf-8")
        data = parse(text)
    except UnicodeDecodeError:
        return None, [FileProblem(shown, 1, Problem("", "le fichier n'est pas en UTF-8 : réenregistrez-le en UTF-8"))]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return None, [
            FileProblem(
                shown,
                line,
                Problem(
                    "",
                    f"YAML illisible ({getattr(error, 'problem', error)}) : vérifiez l'indentation et les guillemets",
                ),
            )
        ]
    problems = check(data, filename=str(path))
    if problems:
        return None, [FileProblem(shown, key_line(text, p.key), p) for p in problems]
    return Entry.from_data(data), []


def entry_paths(root: Path) -> Iterator[Path]:
    """Every entry file below `root`, in a stable order (stray files are reported by `check`)."""
    for path, _ in _scan(root):
        yield Path(path)


def _scan(root: Path) -> Iterator[tuple[str, tuple[int, int]]]:
    """(path, (mtime_ns, size)) of every file one folder below `root`, sorted; os.scandir keeps 100,000 cheap."""
    with os.scandir(root) as folders:
        names = sorted(f.path for f in folders if f.is_dir() and not f.name.startswith("."))
    for folder in names:
        with os.scandir(folder) as files:
            found = [(f.path, f.stat()) for f in files if f.is_file() and not f.name.startswith(".")]
        for path, status in sorted(found):
            yield path, (status.st_mtime_ns, status.st_size)


def load_entries(root: Path | str, *, cache_path: Path | None = None, workers: int | None = None) -> list[Entry]:
    """Every entry below `root`; raises InvalidEntries listing every problem when any file is invalid.

    With `cache_path`, files whose size and modification time are unchanged since the last load are not
    parsed again. Many files are parsed by `workers` processes (default: one per core).
    """
    root = Path(root)
    if not root.is_dir():
        return []
    stamps = dict(_scan(root))
    cached = _read_cache(cache_path)
    fresh = [path for path, stamp in stamps.items() if cached.get(path, (None, None))[0] != stamp]
    parsed, problems = _read_many(fresh, root, workers)
    if problems:
        raise InvalidEntries(problems)
    known = {path: (stamp, parsed.get(path) or cached[path][1]) for path, stamp in stamps.items()}
    if cache_path and (fresh or len(known) != len(cached)):
        _write_cache(cache_path, known)
    entries = [entry for _, entry in known.values()]
    _refuse_duplicate_ids(entries, root)
    return entries


PARALLEL_FROM = 2000


def _read_many(paths: list[str], root: Path, workers: int | None) -> tuple[dict[str, Entry], list[FileProblem]]:
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(paths) >= PARALLEL_FROM:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.starmap(read_entry, ((Path(path), root) for path in paths), chunksize=500)
    else:
        results = [read_entry(Path(path), root) for path in paths]
    parsed = {path: entry for path, (entry, _) in zip(paths, results, strict=True) if entry}
    return parsed, [problem for _, found in results for problem in found]


@cache
def _cache_version() -> str:
    """Parsed entries stay valid while the schema, the communes and this code are unchanged."""
    from entraide.communes import communes_path
    from entraide.schema import schema_path

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for data_file in (schema_path(), communes_path()):
        digest.update(Path(data_file).read_bytes())
    return digest.hexdigest()


def _read_cache(cache_path: Path | None) -> dict[str, tuple[tuple[int, int], Entry]]:
    if not cache_path or not cache_path.is_file():
        return {}
    try:
        with cache_path.open("rb") as stream:
            version, known = pickle.load(stream)  # noqa: S301 - our own cache file, written below
    except (OSError, pickle.PickleError, EOFError, ValueError, AttributeError, TypeError):
        return {}
    return known if version == _cache_version() else {}


def _write_cache(cache_path: Path, known: dict[str, tuple[tuple[int, int], Entry]]) -> None:
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = cache_path.with_suffix(".tmp")
    with temporary.open("wb") as stream:
        pickle.dump((_cache_version(), known), stream, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, cache_path)


def _refuse_duplicate_ids(entries: Iterable[Entry], root: Path) -> None:
    seen: dict[str, Entry] = {}
    problems = []
    for entry in entries:
        if entry.id in seen:
            problems.append(
                FileProblem(
                    f"{root.name}/{entry.commune_slug}/{entry.id}.yaml",
                    1,
                    Problem(
                        "id",
                        f"déjà utilisé dans {seen[entry.id].commune_slug}/ : chaque annonce doit avoir un id unique",
                    ),
                )
            )
        seen[entry.id] = entry
    if problems:
        raise InvalidEntries(problems)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def to_yaml(entry: Entry) -> str:
    """The entry file's text: canonical key order, multi-line text as readable blocks, round-trips exactly."""
    return yaml.dump(entry.to_data(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def entry_path(root: Path | str, entry: Entry) -> Path:
    return Path(root) / entry.commune_slug / f"{entry.id}.yaml"


def write_entry(root: Path | str, entry: Entry) -> Path:
    """Write atomically (temporary file then rename): a reader never sees half a file."""
    path = entry_path(root, entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(to_yaml(entry))
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path
