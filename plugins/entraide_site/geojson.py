"""GeoJSON for the map (RFC 7946): one FeatureCollection of points per commune, one of boundaries.

Only public fields go in, built as data and written with json.dumps: hostile text stays a JSON string.
Coordinates are rounded to 5 decimals (about 1 m), longitude first. Boundaries are written with the winding
RFC 7946 §3.1.6 asks for (exterior rings counter-clockwise, holes clockwise) whatever the data's own winding.
"""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

from entraide.communes import Commune

from .public_entry import PublicEntry

PRECISION = 5


def commune_points(entries: tuple[PublicEntry, ...] | list[PublicEntry]) -> str:
    """/geo/<slug>.geojson: the commune's active entries as points with {id, kind, category, title, name, url}."""
    return _dump({"type": "FeatureCollection", "features": [_point(entry) for entry in entries]})


def communes_boundaries(communes: list[Commune], counts: dict[str, int]) -> str:
    """/geo/communes.geojson: each commune's boundary with its count of active entries and its links."""
    return _dump({"type": "FeatureCollection", "features": [_boundary(c, counts.get(c.slug, 0)) for c in communes]})


def _point(entry: PublicEntry) -> dict[str, Any]:
    lon, lat = entry.point()
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, PRECISION), round(lat, PRECISION)]},
        "properties": {
            "id": entry.id,
            "kind": entry.kind,
            "category": entry.category,
            "title": entry.title,
            "name": entry.name,
            "url": f"/annonces/{entry.id}/",
        },
    }


def _boundary(commune: Commune, count: int) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": boundary_geometry(commune.geometry),
        "properties": {
            "code": commune.code,
            "name": commune.name,
            "slug": commune.slug,
            "count": count,
            "url": f"/communes/{commune.slug}/",
            "geojson": f"/geo/{commune.slug}.geojson",
        },
    }


def boundary_geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    """A Polygon or MultiPolygon rounded, then wound as RFC 7946 asks (rounding can flip a thin ring)."""
    multi = geometry["type"] == "MultiPolygon"
    polygons = geometry["coordinates"] if multi else [geometry["coordinates"]]
    wound = [_wound(_rounded(polygon)) for polygon in polygons]
    return {"type": geometry["type"], "coordinates": wound if multi else wound[0]}


def _wound(polygon: list[list[list[float]]]) -> list[list[list[float]]]:
    return [ring if (_signed_area(ring) > 0) == (index == 0) else ring[::-1] for index, ring in enumerate(polygon)]


def _signed_area(ring: list[list[float]]) -> float:
    """Twice the ring's area by the shoelace formula: positive when it turns counter-clockwise (lon east, lat north)."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring))


def _rounded(coordinates: Any) -> Any:
    if isinstance(coordinates[0], (int, float)):
        return [round(value, PRECISION) for value in coordinates]
    return [_rounded(part) for part in coordinates]


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
