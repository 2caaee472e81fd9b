"""A page of the site: where it goes, how it is rendered, from what; and its fingerprint.

The fingerprint is a digest of everything the page is made from. When it is the same as last build's,
the page is not rendered again: this is what makes a rebuild with nothing changed take a second.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .public_entry import PublicEntry

Render = Callable[..., str]


@dataclass(frozen=True)
class Page:
    url: str  # "/communes/grenoble/" or "/geo/grenoble.geojson"
    template: str | Render  # a Jinja template name, or a function of the context returning the text
    context: dict[str, Any]

    @property
    def file(self) -> str:
        """The output file, relative to the output folder."""
        name = self.url.lstrip("/")
        return name + "index.html" if name.endswith("/") or not name else name

    def fingerprint(self, site: str, memo: dict[int, str]) -> str:
        """A digest of the site-wide fingerprint, the renderer and this page's context.

        `memo` keeps, for the length of a build, the digest of objects shared by many pages (an entry
        is in seven pages, a filter bar in all the pages of a listing): each is written out once.
        """
        renderer = self.template if isinstance(self.template, str) else self.template.__qualname__
        text = "\x1f".join((site, self.url, renderer, _describe(self.context, memo)))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _text(value: Any, memo: dict[int, str]) -> str:
    """A short stand-in for `value`: its repr when it is a scalar, else the digest of its description."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return repr(value)
    known = memo.get(id(value))
    if known is None:
        known = memo[id(value)] = hashlib.blake2b(_describe(value, memo).encode(), digest_size=12).hexdigest()
    return known


def _describe(value: Any, memo: dict[int, str]) -> str:
    if isinstance(value, PublicEntry):
        return repr(value.fields())
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_text(item, memo) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{key!r}:{_text(item, memo)}" for key, item in value.items()) + "}"
    return repr(value)
