import json
from pathlib import Path

import geojson_validator

from entraide.communes import communes_path, load_communes


def test_the_territory_has_49_communes_with_unique_codes_and_slugs():
    communes = load_communes()
    assert len(communes) == 49
    assert len(communes.by_code) == 49
    assert len(communes.by_slug) == 49


def test_slugs_are_lower_case_ascii_with_single_hyphens():
    for commune in load_communes():
        assert commune.slug.isascii()
        assert commune.slug == commune.slug.lower()
        assert "--" not in commune.slug and not commune.slug.startswith("-") and not commune.slug.endswith("-")


def test_every_centre_lies_inside_its_own_polygon_and_no_other():
    communes = load_communes()
    for commune in communes:
        assert commune.contains(*commune.centre), commune.name
        assert communes.locate(*commune.centre) is commune


def test_communes_are_found_by_name_without_accents_or_by_postal_code():
    communes = load_communes()
    assert [c.name for c in communes.find("echirolles")] == ["Échirolles"]
    assert [c.name for c in communes.find("St Égrève")] == ["Saint-Égrève"]
    assert [c.name for c in communes.find("38100")] == ["Grenoble"]
    assert {c.name for c in communes.find("383")} >= {"Bresson", "Eybens", "Sassenage"}
    assert communes.find("") == []
    assert communes.find("Lyon") == []


def test_derived_points_are_inside_the_commune_stable_and_spread():
    for commune in load_communes():
        points = [commune.point_for(f"entry-{n}") for n in range(20)]
        assert all(commune.contains(*point) for point in points), commune.name
        assert points == [commune.point_for(f"entry-{n}") for n in range(20)]
        assert len(set(points)) >= 15, commune.name


def test_distance_is_zero_inside_and_grows_outside():
    meylan = load_communes().by_slug["meylan"]
    assert meylan.distance_m(*meylan.centre) == 0
    lon, lat = meylan.centre
    assert 5_000 < meylan.distance_m(lon, lat + 0.2) < 25_000


def test_the_communes_file_is_valid_geojson_with_rfc_7946_winding():
    collection = json.loads(Path(communes_path()).read_text("utf-8"))
    assert geojson_validator.validate_structure(collection, check_crs=True) == {}
    report = geojson_validator.validate_geometries(collection)
    assert report["invalid"] == {}, "RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise"
    assert report["count_geometry_types"] == {"Polygon": 49}
