"""The location blur, measured per commune: cell size, residents per cell, how far the published point moves.

For each commune, random addresses spread evenly over its area (a fixed seed, so every run prints the same
figures) are blurred as the endpoint does, with the cells it uses now and with the 300 m cells it used for
every commune before. Residents per cell = population / area x cell area: what a cell holds on average.
The offset is the distance from the address to the point published; "all" weighs each commune by its
population, as residents' entries would be. Nothing is timed: the figures depend on the data only.
"""

from __future__ import annotations

import math
import random
import statistics

from entraide.communes import EARTH_RADIUS_M, Commune, load_communes
from entraide.geocoding import (
    MIN_CELL_M,
    MIN_RESIDENTS_PER_CELL,
    blur_to_grid,
    cell_size_m,
    residents_per_cell,
)

ADDRESSES_PER_COMMUNE = 200
SEED = 12


def main() -> None:
    rows = [_measure(commune, random.Random(f"{SEED}:{commune.code}")) for commune in load_communes()]
    rows.sort(key=lambda row: row["after"]["residents"])
    print(f"K = {MIN_RESIDENTS_PER_CELL} residents per cell on average; {ADDRESSES_PER_COMMUNE} addresses per commune")
    print(f"{'commune':<34}{'pop.':>8}{'km²':>7}  {'cell m':>13}  {'residents/cell':>16}  {'median offset m':>16}")
    for row in rows:
        before, after = row["before"], row["after"]
        print(
            f"{row['name']:<34}{row['population']:>8}{row['area_km2']:>7.1f}  {MIN_CELL_M:>5} → {after['cell']:>5}"
            f"  {before['residents']:>6.1f} → {after['residents']:>6.1f}"
            f"  {before['median']:>6.0f} → {after['median']:>6.0f}"
        )
    for label in ("before", "after"):
        _summary(label, rows)


def _measure(commune: Commune, rng: random.Random) -> dict:
    addresses = [_random_point(commune, rng) for _ in range(ADDRESSES_PER_COMMUNE)]
    row = {"name": commune.name, "population": commune.population, "area_km2": commune.area_m2 / 1e6}
    for label, cell in (("before", MIN_CELL_M), ("after", cell_size_m(commune))):
        offsets = [_distance_m(address, blur_to_grid(*address, commune, cell)) for address in addresses]
        row[label] = {
            "cell": cell,
            "residents": residents_per_cell(commune, cell),
            "median": statistics.median(offsets),
            "offsets": offsets,
        }
    return row


def _summary(label: str, rows: list[dict]) -> None:
    sparse = [row["name"] for row in rows if row[label]["residents"] < MIN_RESIDENTS_PER_CELL]
    under_ten = sum(1 for row in rows if row[label]["residents"] < 10)
    weighted = sorted((offset, row["population"]) for row in rows for offset in row[label]["offsets"])
    fewest = min(rows, key=lambda row: row[label]["residents"])
    print(
        f"{label:>6}: fewest residents per cell {fewest[label]['residents']:.1f} ({fewest['name']}); "
        f"communes under {MIN_RESIDENTS_PER_CELL}: {len(sparse)}, under 10: {under_ten}; "
        f"median offset, all residents: {_weighted_quantile(weighted, 0.5):.0f} m; "
        f"95 % of residents within {_weighted_quantile(weighted, 0.95):.0f} m; "
        f"largest median of a commune: {max(row[label]['median'] for row in rows):.0f} m"
    )


def _random_point(commune: Commune, rng: random.Random) -> tuple[float, float]:
    west, south, east, north = commune.bbox
    while True:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if commune.contains(lon, lat):
            return lon, lat


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    scale_x = math.cos(math.radians(a[1])) * math.pi / 180 * EARTH_RADIUS_M
    return math.hypot((a[0] - b[0]) * scale_x, (a[1] - b[1]) * math.pi / 180 * EARTH_RADIUS_M)


def _weighted_quantile(pairs: list[tuple[float, int]], share: float) -> float:
    goal, total = sum(weight for _, weight in pairs) * share, 0
    for value, weight in pairs:
        total += weight
        if total >= goal:
            return value
    return math.nan


if __name__ == "__main__":
    main()
