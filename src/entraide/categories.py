"""Categories and kinds of help, with their French labels and URL slugs, read from the entry schema."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from entraide.schema import load_schema


@dataclass(frozen=True)
class Category:
    key: str
    slug: str
    label: str
    description: str


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    plural: str


@cache
def load_categories() -> tuple[Category, ...]:
    spec = load_schema()["properties"]["category"]
    return tuple(
        Category(key, spec["x-slugs"][key], spec["x-labels"][key], spec["x-descriptions"][key]) for key in spec["enum"]
    )


@cache
def load_kinds() -> tuple[Kind, ...]:
    """Requests come first: people asking for help are fewer and need to be seen first."""
    spec = load_schema()["properties"]["kind"]
    keys = sorted(spec["enum"], key=lambda key: key != "request")
    return tuple(Kind(key, spec["x-labels"][key], spec["x-plural-labels"][key]) for key in keys)


def category(key: str) -> Category:
    return next(c for c in load_categories() if c.key == key)


def kind(key: str) -> Kind:
    return next(k for k in load_kinds() if k.key == key)
