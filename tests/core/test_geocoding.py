"""Addresses through a fake Base Adresse Nationale on 127.0.0.1: blurred points, refusals, and the fallback."""

from __future__ import annotations

import math
import random

import pytest

from entraide.communes import EARTH_RADIUS_M, load_communes
from entraide.geocoding import MIN_RESIDENTS_PER_CELL, blur, cell_size_m, grid_steps
from tests.harness.endpoint import GOOD_FORM
from tests.harness.ports import free_port

from .address_api import FakeAddressAPI

GRENOBLE_ADDRESS = "12 rue de la République Grenoble"


def metres(a, b):
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(a[1]))
    dy = (a[1] - b[1]) * 111_320
    return math.hypot(dx, dy)


def test_an_address_gives_a_point_blurred_to_about_300_m_inside_the_commune_and_is_not_stored(
    make_endpoint, address_api
):
    endpoint = make_endpoint(ENTRAIDE_GEOCODER_URL=address_api)
    answer = endpoint.post("/submit", json={**GOOD_FORM, "address": GRENOBLE_ADDRESS})
    assert answer.status_code == 201
    [entry] = endpoint.pending_entries()
    exact = FakeAddressAPI.places[GRENOBLE_ADDRESS.lower()]
    assert entry.location is not None and entry.location != exact
    assert 0 < metres(entry.location, exact) <= 300
    assert load_communes().by_code["38185"].contains(*entry.location)
    stored = endpoint.pending_files()[0].read_text()
    assert "République" not in stored and "rue" not in stored


def test_nearby_addresses_share_one_blurred_point(make_endpoint):
    grenoble = load_communes().by_code["38185"]
    assert blur(5.72874, 45.19106, grenoble) == blur(5.72880, 45.19110, grenoble)


def cell_area_m2(commune, cell_m: float) -> float:
    """The real area of one of the commune's cells, from its size in degrees."""
    step_lon, step_lat = grid_steps(commune, cell_m)
    metres_per_degree = math.pi / 180 * EARTH_RADIUS_M
    return step_lon * metres_per_degree * math.cos(math.radians(commune.centre[1])) * step_lat * metres_per_degree


def test_a_cell_holds_at_least_k_residents_on_average_in_every_commune():
    crowded = []
    for commune in load_communes():
        residents = commune.population / commune.area_m2 * cell_area_m2(commune, cell_size_m(commune))
        if residents < MIN_RESIDENTS_PER_CELL:
            crowded.append(f"{commune.name}: {residents:.1f}")
    assert MIN_RESIDENTS_PER_CELL >= 50
    assert crowded == [], f"fewer than {MIN_RESIDENTS_PER_CELL} residents per cell on average"
    assert cell_size_m(load_communes().by_code["38185"]) == 300, "Grenoble keeps its 300 m cells"


def test_a_communes_area_comes_out_as_the_official_one():
    assert load_communes().by_code["38185"].area_m2 / 1e6 == pytest.approx(18.13, rel=0.05)  # Grenoble, INSEE


def test_two_addresses_far_apart_in_one_cell_of_a_sparse_commune_get_one_point():
    commune = load_communes().by_slug["mont-saint-martin"]  # 93 residents on 5 km²
    step_lon, step_lat = grid_steps(commune, cell_size_m(commune))
    column, row = math.floor(commune.centre[0] / step_lon), math.floor(commune.centre[1] / step_lat)
    corners = [((column + 0.1) * step_lon, (row + 0.1) * step_lat), ((column + 0.5) * step_lon, (row + 0.9) * step_lat)]
    assert all(commune.contains(*corner) for corner in corners)
    assert metres(*corners) > 1000
    assert blur(*corners[0], commune) == blur(*corners[1], commune)


@pytest.mark.parametrize("commune", load_communes().all, ids=lambda commune: commune.slug)
def test_a_blurred_point_stays_inside_its_commune_and_is_the_same_every_time(commune):
    rng = random.Random(commune.code)
    west, south, east, north = commune.bbox
    addresses = [(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(200)]
    for address in [a for a in addresses if commune.contains(*a)][:20]:
        point = blur(*address, commune)
        assert commune.contains(*point), f"{address} in {commune.name} published outside it, at {point}"
        assert blur(*address, commune) == point


def test_an_address_outside_the_territory_is_refused(make_endpoint, address_api):
    endpoint = make_endpoint(ENTRAIDE_GEOCODER_URL=address_api)
    answer = endpoint.post("/submit", json={**GOOD_FORM, "address": "1 place Bellecour Lyon"})
    assert answer.status_code == 400
    assert "n'est pas dans l'une des communes de la Métropole" in answer.json()["errors"]["address"]
    assert endpoint.pending_files() == []


def test_an_address_in_another_commune_says_which_one(make_endpoint, address_api):
    endpoint = make_endpoint(ENTRAIDE_GEOCODER_URL=address_api)
    answer = endpoint.post("/submit", json={**GOOD_FORM, "address": "8 chemin des Sources Meylan"})
    assert answer.status_code == 400
    assert answer.json()["errors"]["address"].startswith("cette adresse est à Meylan et non à Grenoble")


def test_an_unknown_address_asks_to_check_it_or_leave_it_empty(make_endpoint, address_api):
    endpoint = make_endpoint(ENTRAIDE_GEOCODER_URL=address_api)
    answer = endpoint.post("/submit", json={**GOOD_FORM, "address": "999 avenue Imaginaire"})
    assert answer.status_code == 400 and "laissez ce champ vide" in answer.json()["errors"]["address"]


def test_a_slow_geocoder_is_given_up_and_the_entry_is_accepted_without_location(make_endpoint, address_api):
    endpoint = make_endpoint(ENTRAIDE_GEOCODER_URL=address_api, ENTRAIDE_GEOCODER_TIMEOUT_SECONDS=0.2)
    answer = endpoint.post("/submit", json={**GOOD_FORM, "address": "lent 3 rue Lente"})
    assert answer.status_code == 201
    [entry] = endpoint.pending_entries()
    assert entry.location is None


def test_a_failing_or_unreachable_geocoder_still_accepts_the_entry(make_endpoint, address_api):
    failing = make_endpoint(ENTRAIDE_GEOCODER_URL=address_api)
    assert failing.post("/submit", json={**GOOD_FORM, "address": "panne 1 rue"}).status_code == 201
    unreachable = make_endpoint(ENTRAIDE_GEOCODER_URL=f"http://127.0.0.1:{free_port()}/search/")
    assert unreachable.post("/submit", json={**GOOD_FORM, "address": GRENOBLE_ADDRESS}).status_code == 201
    assert unreachable.pending_entries()[0].location is None
