"""The communes of the territory, read from the GeoJSON file in `data/` (never copied into code)."""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from itertools import pairwise
from typing import Any

COMMUNES_RESOURCE = "communes-grenoble-alpes-metropole.geojson"
EARTH_RADIUS_M = 6_371_000.0

Ring = tuple[tuple[float, float], ...]
Polygon = tuple[Ring, ...]


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    slug: str
    postal_codes: tuple[str, ...]
    population: int
    centre: tuple[float, float]
    polygons: tuple[Polygon, ...] = field(repr=False)
    geometry: dict[str, Any] = field(repr=False, compare=False)

    @cached_property
    def bbox(self) -> tuple[float, float, float, float]:
        return _bbox(self.polygons)

    @cached_property
    def area_m2(self) -> float:
        """Square metres inside the boundary (holes excluded), on a local projection (fine at commune scale)."""
        latitude = self.centre[1]
        return sum(
            _ring_area_m2(polygon[0], latitude) - sum(_ring_area_m2(hole, latitude) for hole in polygon[1:])
            for polygon in self.polygons
        )

    def contains(self, lon: float, lat: float) -> bool:
        """Whether the point lies inside the commune (holes excluded)."""
        return any(_in_polygon(polygon, lon, lat) for polygon in self.polygons)

    def distance_m(self, lon: float, lat: float) -> float:
        """Metres from the point to the commune: 0 inside, else to the nearest boundary segment."""
        if self.contains(lon, lat):
            return 0.0
        return min(
            _segment_distance_m(lon, lat, a, b)
            for polygon in self.polygons
            for ring in polygon
            for a, b in pairwise(ring)
        )

    def point_for(self, key: str) -> tuple[float, float]:
        """A deterministic (lon, lat) inside the commune derived from `key`, spread over its area."""
        west, south, east, north = self.bbox
        for attempt in range(64):
            digest = hashlib.blake2b(f"{key}:{attempt}".encode(), digest_size=16).digest()
            u = int.from_bytes(digest[:8], "big") / 2**64
            v = int.from_bytes(digest[8:], "big") / 2**64
            lon, lat = round(west + u * (east - west), 5), round(south + v * (north - south), 5)
            if self.contains(lon, lat):
                return lon, lat
        return self.centre


class Communes:
    """The territory's communes, looked up by INSEE code, slug, name or postal code."""

    def __init__(self, communes: list[Commune]) -> None:
        self.all = sorted(communes, key=lambda c: _fold(c.name))
        self.by_code = {c.code: c for c in self.all}
        self.by_slug = {c.slug: c for c in self.all}

    def __iter__(self) -> Iterator[Commune]:
        return iter(self.all)

    def __len__(self) -> int:
        return len(self.all)

    def find(self, query: str) -> list[Commune]:
        """Communes whose name contains the query, or whose postal code starts with it."""
        folded = _fold(query)
        if not folded:
            return []
        if folded.isdigit():
            return [c for c in self.all if any(p.startswith(folded) for p in c.postal_codes)]
        return [c for c in self.all if folded in _fold(c.name)]

    def locate(self, lon: float, lat: float) -> Commune | None:
        """The commune the point lies in, if any."""
        return next((c for c in self.all if c.contains(lon, lat)), None)


def communes_path() -> str:
    return str(resources.files("entraide") / "data" / COMMUNES_RESOURCE)


@cache
def load_communes() -> Communes:
    collection = json.loads((resources.files("entraide") / "data" / COMMUNES_RESOURCE).read_text("utf-8"))
    return Communes([_commune(feature) for feature in collection["features"]])


def _commune(feature: dict[str, Any]) -> Commune:
    props, geometry = feature["properties"], feature["geometry"]
    raw = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    polygons = tuple(tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon) for polygon in raw)
    return Commune(
        code=props["code"],
        name=props["nom"],
        slug=props["slug"],
        postal_codes=tuple(props["codesPostaux"]),
        population=int(props["population"]),
        centre=(float(props["centre"][0]), float(props["centre"][1])),
        polygons=polygons,
        geometry=geometry,
    )


def _fold(text: str) -> str:
    """Lower-case ASCII with accents stripped and punctuation turned to spaces: « St-Égrève » ~ « st egreve »."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def _bbox(polygons: tuple[Polygon, ...]) -> tuple[float, float, float, float]:
    xs = [x for polygon in polygons for x, _ in polygon[0]]
    ys = [y for polygon in polygons for _, y in polygon[0]]
    return min(xs), min(ys), max(xs), max(ys)


def _ring_area_m2(ring: Ring, latitude: float) -> float:
    """Shoelace formula on an equirectangular projection centred on `latitude`."""
    scale_x = math.cos(math.radians(latitude)) * math.pi / 180 * EARTH_RADIUS_M
    scale_y = math.pi / 180 * EARTH_RADIUS_M
    twice = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring))
    return abs(twice) / 2 * scale_x * scale_y


def _in_ring(ring: Ring, x: float, y: float) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _in_polygon(polygon: Polygon, x: float, y: float) -> bool:
    return _in_ring(polygon[0], x, y) and not any(_in_ring(hole, x, y) for hole in polygon[1:])


def _segment_distance_m(lon: float, lat: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance from a point to a segment, on a local equirectangular projection (fine at commune scale)."""
    scale_x = math.cos(math.radians(lat)) * math.pi / 180 * EARTH_RADIUS_M
    scale_y = math.pi / 180 * EARTH_RADIUS_M
    ax, ay = (a[0] - lon) * scale_x, (a[1] - lat) * scale_y
    bx, by = (b[0] - lon) * scale_x, (b[1] - lat) * scale_y
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    return math.hypot(ax + t * dx, ay + t * dy)
