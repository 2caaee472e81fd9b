"""What the search knows of an entry: one Pagefind record per published entry, made from the data.

A record holds what a resident may type (title, description, availability; the kind, category and commune
names; the author's first name), the entry's title for the results list, and the three filters the search
box offers. It is made from the site's PublicEntry, so nothing private can reach the index, and from the
same labels the pages show, so the box's options (theme/templates/partials/search.html, `data-filter`)
and the index agree: a browser test checks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from entraide.categories import category, kind
from entraide.communes import load_communes


class Published(Protocol):
    """The public fields of an entry the index reads (entraide_site's PublicEntry has them)."""

    id: str
    kind: str
    category: str
    commune: str
    title: str
    description: str
    name: str
    availability: str


@dataclass(frozen=True, slots=True)
class Record:
    url: str  # relative to the site's root; the search box gives Pagefind the site's address as baseUrl
    content: str
    title: str
    filters: dict[str, list[str]]

    def request(self, index_id: int, language: str) -> dict[str, Any]:
        """Pagefind's AddRecord message."""
        return {
            "type": "AddRecord",
            "index_id": index_id,
            "url": self.url,
            "content": self.content,
            "language": language,
            "meta": {"title": self.title},
            "filters": self.filters,
            "sort": None,
        }


def record_of(entry: Published) -> Record:
    commune = load_communes().by_code[entry.commune].name
    labels = [kind(entry.kind).label, category(entry.category).label, commune, entry.name]
    text = [entry.title, entry.description, entry.availability, " · ".join(labels)]
    return Record(
        url=f"/annonces/{entry.id}/",
        content="\n".join(part for part in text if part),
        title=entry.title,
        filters={"commune": [commune], "catégorie": [labels[1]], "type": [labels[0]]},
    )
