"""What the site may publish of an entry: its public fields only, by construction.

Pages, feeds and GeoJSON are made from PublicEntry, never from Entry, so no template can reach the
sealed `contact` or the `withdraw_key_hash`, even by mistake. The fields are entraide.entries.PUBLIC_KEYS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from entraide.communes import load_communes
from entraide.entries import PUBLIC_KEYS, TAKEN, Entry
from entraide.status import status_label

# Points of entries placed inside their commune from their id: finding one tests the polygon many times,
# so the generator keeps them from one build to the next (points.py).
KNOWN_POINTS: dict[tuple[str, str], tuple[float, float]] = {}


@dataclass(frozen=True, slots=True)
class PublicEntry:
    id: str
    kind: str
    category: str
    commune: str
    title: str
    description: str
    name: str
    availability: str
    location: tuple[float, float] | None
    created: str
    expires: str
    status: str
    renewed: str

    @classmethod
    def of(cls, entry: Entry) -> PublicEntry:
        return cls(**{key: getattr(entry, key) for key in PUBLIC_KEYS})

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.created)

    @property
    def taken(self) -> bool:
        return self.status == TAKEN

    @property
    def status_label(self) -> str:
        """« Pris en charge » (a request) or « Complet » (an offer) when taken, else ""."""
        return status_label(self.kind, self.status) if self.taken else ""

    def point(self) -> tuple[float, float]:
        """Where the map shows it: its approximate location, else a stable point inside its commune."""
        if self.location:
            return self.location
        point = KNOWN_POINTS.get((self.commune, self.id))
        if point is None:
            point = KNOWN_POINTS[self.commune, self.id] = load_communes().by_code[self.commune].point_for(self.id)
        return point

    def fields(self) -> tuple:
        """Every field as a plain tuple: quick to write out for a page's fingerprint."""
        return tuple(getattr(self, key) for key in PUBLIC_KEYS)
