"""GeoJSON for the map: RFC 7946 FeatureCollections, public fields only, points inside their commune."""

from __future__ import annotations

import json
from pathlib import Path

import geojson_validator
from entraide_site.geojson import boundary_geometry

from entraide.communes import load_communes

from .site_fixtures import BUILD_DATE, SAINT_EGREVE

POINT_PROPERTIES = {"id", "kind", "category", "title", "name", "url"}


def load(site: Path, name: str) -> dict:
    return json.loads((site / "geo" / name).read_text("utf-8"))


def test_every_commune_has_a_feature_collection_of_points_inside_it(site: Path, entries) -> None:
    communes = load_communes()
    seen = set()
    for commune in communes:
        collection = load(site, f"{commune.slug}.geojson")
        assert collection["type"] == "FeatureCollection"
        for feature in collection["features"]:
            assert feature["type"] == "Feature"
            assert feature["geometry"]["type"] == "Point"
            lon, lat = feature["geometry"]["coordinates"]
            assert 5 < lon < 6.2 and 44.9 < lat < 45.4, "longitude first, then latitude"
            assert commune.contains(lon, lat)
            assert set(feature["properties"]) == POINT_PROPERTIES
            assert feature["properties"]["url"] == f"/annonces/{feature['properties']['id']}/"
            seen.add(feature["properties"]["id"])
    assert seen == {e.id for e in entries if e.expires >= BUILD_DATE}


def test_a_located_entry_keeps_its_point(site: Path, entries) -> None:
    entry = next(e for e in entries if e.commune == SAINT_EGREVE)
    feature = load(site, "saint-egreve.geojson")["features"][0]
    assert feature["geometry"]["coordinates"] == [round(entry.location[0], 5), round(entry.location[1], 5)]
    assert feature["properties"] == {
        "id": entry.id,
        "kind": "offer",
        "category": "conversation",
        "title": entry.title,
        "name": entry.name,
        "url": f"/annonces/{entry.id}/",
    }


def test_communes_collection_has_boundaries_counts_and_links(site: Path, entries) -> None:
    collection = load(site, "communes.geojson")
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["slug"]: f for f in collection["features"]}
    assert len(features) == 49
    grenoble = features["grenoble"]
    assert grenoble["geometry"]["type"] in ("Polygon", "MultiPolygon")
    expected = sum(1 for e in entries if e.commune == "38185" and e.expires >= BUILD_DATE)
    assert grenoble["properties"] == {
        "code": "38185",
        "name": "Grenoble",
        "slug": "grenoble",
        "count": expected,
        "url": "/communes/grenoble/",
        "geojson": "/geo/grenoble.geojson",
    }
    assert features["meylan"]["properties"]["count"] == 1  # its expired entry is not counted


def test_every_geojson_file_of_the_build_passes_an_independent_validator(site: Path) -> None:
    files = sorted((site / "geo").glob("*.geojson"))
    assert len(files) == 50, "one file per commune and the boundaries"
    for path in files:
        collection = json.loads(path.read_text("utf-8"))
        assert geojson_validator.validate_structure(collection, check_crs=True) == {}, path.name
        report = geojson_validator.validate_geometries(collection)
        assert (report["invalid"], report["problematic"]) == ({}, {}), path.name


def test_boundaries_are_wound_as_rfc_7946_asks_whatever_the_data_gives() -> None:
    clockwise_square = [[5.7, 45.1], [5.7, 45.2], [5.8, 45.2], [5.8, 45.1], [5.7, 45.1]]
    counter_clockwise_hole = [[5.72, 45.12], [5.75, 45.12], [5.75, 45.15], [5.72, 45.15], [5.72, 45.12]]
    geometry = {"type": "MultiPolygon", "coordinates": [[clockwise_square, counter_clockwise_hole]]}
    feature = {"type": "Feature", "properties": {}, "geometry": geometry}
    assert set(geojson_validator.validate_geometries(feature)["invalid"]) == {"exterior_not_ccw", "interior_not_cw"}
    written = {**feature, "geometry": boundary_geometry(geometry)}
    assert geojson_validator.validate_geometries(written)["invalid"] == {}
    assert written["geometry"]["coordinates"][0][0] == clockwise_square[::-1], "same points, only reversed"
