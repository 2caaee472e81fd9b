"""Addresses to approximate points with the Base Adresse Nationale, never storing the address itself.

The national address API answers GeoJSON; the best match must lie in the commune the resident chose, and
the point kept is the centre of its cell in a grid (still inside the commune): 300 m cells, or wider ones
where people are few, so that a cell always holds MIN_RESIDENTS_PER_CELL residents on average. The point is
the same for every address of a cell, so several entries of one person tell no more than one.
When the service is slow or down, the entry is accepted without a location: a resident is never refused
because of it.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

from entraide.communes import EARTH_RADIUS_M, Commune, load_communes
from entraide.submission import AddressProblem, Geocoder

if TYPE_CHECKING:
    from entraide.config import Config

log = logging.getLogger("entraide.geocoding")

MIN_CELL_M = 300
# A cell must hold at least this many residents on average (about 20 households at 2.2 people each): in a
# village the point then says "this part of the village", never "this farm". Sparse communes get wider cells.
MIN_RESIDENTS_PER_CELL = 50
CELL_STEP_M = 50  # cell sizes are rounded up to it, so they read well in the docs and stay above the minimum
# The grid's metre: kept as it was, so the points of 300 m communes do not move (two entries of one person on
# two shifted grids would narrow down where they live). It is a little longer than the communes' metre.
METRES_PER_DEGREE = 111_320.0
GRID_METRE_M = math.pi / 180 * EARTH_RADIUS_M / METRES_PER_DEGREE  # one grid metre in the communes' metres
MIN_SCORE = 0.4


def make_geocoder(config: Config) -> Geocoder | None:
    """A geocoder bound to the configured service, or None when geocoding is turned off."""
    if not config.geocoder_url:
        return None
    logging.getLogger("urllib3").setLevel(logging.WARNING)  # its DEBUG lines print the URL, hence the address

    def geocode(address: str, commune_code: str) -> tuple[float, float] | None:
        commune = load_communes().by_code[commune_code]
        answer = _search(config.geocoder_url, address, commune, config.geocoder_timeout_seconds)
        return None if answer is None else place(answer, commune)

    return geocode


def _search(url: str, address: str, commune: Commune, timeout: float) -> dict[str, Any] | None:
    """The service's answer, or None when it cannot be reached or answers nonsense (logged, never the address)."""
    import requests  # costs ~100 ms: only when an address is actually given

    params = {"q": address, "limit": 1, "lon": commune.centre[0], "lat": commune.centre[1]}
    try:
        response = requests.get(url, params=params, timeout=timeout)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("geocoder unavailable (%s): entry kept without location", type(error).__name__)
        return None


def place(answer: dict[str, Any], commune: Commune) -> tuple[float, float] | None:
    """The blurred point of the best match; AddressProblem when it is not in the chosen commune."""
    features = answer.get("features") if isinstance(answer, dict) else None
    if not isinstance(features, list):
        return None
    best = next((f for f in features if _score(f) >= MIN_SCORE), None)
    if best is None:
        raise AddressProblem(
            "adresse introuvable : vérifiez le numéro et le nom de la rue, ou laissez ce champ "
            "vide (votre commune suffit)"
        )
    lon, lat = _coordinates(best)
    found = load_communes().locate(lon, lat)
    if found is None:
        raise AddressProblem(
            "cette adresse n'est pas dans l'une des communes de la Métropole : l'entraide est réservée à ses habitants"
        )
    if found.code != commune.code:
        raise AddressProblem(
            f"cette adresse est à {found.name} et non à {commune.name} : choisissez "
            f"{found.name} comme commune ou corrigez l'adresse"
        )
    return blur(lon, lat, commune)


def _score(feature: Any) -> float:
    try:
        return float(feature["properties"]["score"])
    except (KeyError, TypeError, ValueError):
        return 0.0


def _coordinates(feature: dict[str, Any]) -> tuple[float, float]:
    try:
        lon, lat = feature["geometry"]["coordinates"][:2]
        return float(lon), float(lat)
    except (KeyError, TypeError, ValueError) as error:
        raise AddressProblem("adresse introuvable : vérifiez-la, ou laissez ce champ vide") from error


def cell_size_m(commune: Commune) -> int:
    """The side of the commune's cells: 300 m, or wider where the population is too sparse for 300 m to hide anyone."""
    needed = math.sqrt(MIN_RESIDENTS_PER_CELL / _residents_per_m2(commune)) / GRID_METRE_M
    return max(MIN_CELL_M, math.ceil(needed / CELL_STEP_M) * CELL_STEP_M)


def residents_per_cell(commune: Commune, cell_m: float | None = None) -> float:
    """How many residents a cell of the commune holds on average (its own cells when `cell_m` is not given)."""
    side = (cell_m or cell_size_m(commune)) * GRID_METRE_M
    return _residents_per_m2(commune) * side * side


def _residents_per_m2(commune: Commune) -> float:
    return max(commune.population, 1) / commune.area_m2


def grid_steps(commune: Commune, cell_m: float) -> tuple[float, float]:
    """A cell's width and height in degrees of longitude and latitude: one grid per commune."""
    step_lat = cell_m / METRES_PER_DEGREE
    return step_lat / math.cos(math.radians(commune.centre[1])), step_lat


def blur(lon: float, lat: float, commune: Commune) -> tuple[float, float]:
    """The point as published: the centre of its cell in the commune's grid."""
    return blur_to_grid(lon, lat, commune, cell_size_m(commune))


def blur_to_grid(lon: float, lat: float, commune: Commune, cell_m: float) -> tuple[float, float]:
    """The centre of the `cell_m` grid cell holding the point, or of the nearest cell whose centre is in the commune."""
    step_lon, step_lat = grid_steps(commune, cell_m)
    row, column = math.floor(lat / step_lat), math.floor(lon / step_lon)
    cells = sorted(
        ((row + dr, column + dc) for dr in range(-2, 3) for dc in range(-2, 3)),
        key=lambda cell: (cell[0] - row) ** 2 + (cell[1] - column) ** 2,
    )
    for r, c in cells:
        centre = (round((c + 0.5) * step_lon, 5), round((r + 0.5) * step_lat, 5))
        if commune.contains(*centre):
            return centre
    return commune.point_for(f"{row}:{column}")
