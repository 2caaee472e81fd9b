"""Addresses to approximate points with the Base Adresse Nationale, never storing the address itself.

The national address API answers GeoJSON; the best match must lie in the commune the resident chose, and
the point kept is blurred to a grid of about 300 m (still inside the commune). When the service is slow
or down, the entry is accepted without a location: a resident is never refused because of it.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

from entraide.communes import Commune, load_communes
from entraide.submission import AddressProblem, Geocoder

if TYPE_CHECKING:
    from entraide.endpoint.config import Config

log = logging.getLogger("entraide.endpoint.geocoding")

BLUR_M = 300
METRES_PER_DEGREE = 111_320.0
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


def blur(lon: float, lat: float, commune: Commune) -> tuple[float, float]:
    """The centre of the ~300 m grid cell holding the point, or of the nearest cell whose centre is in the commune."""
    step_lat = BLUR_M / METRES_PER_DEGREE
    step_lon = step_lat / math.cos(math.radians(commune.centre[1]))  # one grid per commune
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
