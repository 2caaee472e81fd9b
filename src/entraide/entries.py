"""Entries: one YAML file each, checked against the schema, the territory and the content rules, and written.

The pure part (`check`, `to_yaml`, `parse`) does no I/O; `write_entry` is the edge. Entry files are read
by `entraide.pipeline`, the one way the build, `entraide check` and the endpoint read them.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from entraide.communes import load_communes
from entraide.rules import contact_problems
from entraide.schema import Problem, validate

LOCATION_TOLERANCE_M = 300
OPEN, TAKEN, RESOLVED = "open", "taken", "resolved"  # an entry's status; the schema says it in French
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
    "status",
    "renewed",
)
PRIVATE_KEYS = ("contact", "withdraw_key_hash")
KEY_ORDER = PUBLIC_KEYS + PRIVATE_KEYS


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader, keeping dates as the strings people wrote (the schema checks their format)."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Text is taken as it is, past the generic constructor's bookkeeping (which gives the same string):
        an entry is mostly text, and the build parses every entry, 30 % faster so."""
        if node.tag == _TEXT and isinstance(node, yaml.ScalarNode):
            return node.value
        return super().construct_object(node, deep)


_TEXT = "tag:yaml.org,2002:str"


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
    status: str = ""  # open when empty (see `state`)
    renewed: str = ""  # when its author said they still need help: it goes back to the top of its listings

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
    def state(self) -> str:
        """open, taken or resolved: a file without `status` is open."""
        return self.status or OPEN

    @property
    def listed_at(self) -> dt.datetime:
        """When the entry was last put at the top of its listings: its renewal, else its creation."""
        return dt.datetime.fromisoformat(self.renewed or self.created)

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


def parse(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is libyaml's *safe* loader


def check(data: Any, *, filename: str | None = None) -> list[Problem]:
    """Schema problems, then what the schema cannot say: file name, folder, location and dates, and contact
    details in public text (`rules.contact_problems`). Each is an error: the entry is not published."""
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
    return problems + contact_problems(data)


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
