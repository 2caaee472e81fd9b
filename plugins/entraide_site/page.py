"""A page of the site: where it goes, how it is rendered, from what; and its fingerprint.

The fingerprint is a digest of everything the page is made from. When it is the same as last build's,
the page is not rendered again: this is what makes a rebuild with nothing changed take a second.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable

from entraide.entries import Entry

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

    def fingerprint(self, site: str, digests: dict[str, str]) -> str:
        """A digest of the site-wide fingerprint, the renderer and this page's context."""
        renderer = self.template if isinstance(self.template, str) else self.template.__qualname__
        text = repr((site, self.url, renderer, _stable(self.context, digests)))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def entry_digest(entry: Entry) -> str:
    return hashlib.blake2b(repr(entry).encode(), digest_size=12).hexdigest()


def _stable(value: Any, digests: dict[str, str]) -> Any:
    """The context with entries replaced by their digest, computed once per entry."""
    if isinstance(value, Entry):
        digest = digests.get(value.id)
        if digest is None:
            digest = digests[value.id] = entry_digest(value)
        return digest
    if isinstance(value, (list, tuple)):
        return tuple(_stable(item, digests) for item in value)
    if isinstance(value, dict):
        return tuple((key, _stable(item, digests)) for key, item in value.items())
    return value
