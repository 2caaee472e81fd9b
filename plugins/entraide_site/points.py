"""The map points of entries without a location, remembered between builds in the cache folder.

`Commune.point_for` tests the commune's polygon several times per entry: for a large commune's GeoJSON
(thousands of entries) that is most of a small rebuild. The points depend only on the commune, the id and
the core's code and data, so the cache file is stamped with their digest.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from .public_entry import KNOWN_POINTS


def load_points(cache_file: Path, stamp: str) -> None:
    KNOWN_POINTS.clear()
    try:
        saved_stamp, points = pickle.loads(cache_file.read_bytes())  # noqa: S301 - our own cache file
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
        return
    if saved_stamp == stamp:
        KNOWN_POINTS.update(points)
    _LOADED[cache_file] = len(KNOWN_POINTS)


def save_points(cache_file: Path, stamp: str) -> None:
    """Write the points back when some were added (points found in worker processes are not kept)."""
    if _LOADED.get(cache_file) == len(KNOWN_POINTS):
        return
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = cache_file.with_suffix(f".{os.getpid()}.tmp")  # two builds at once never share it
    temporary.write_bytes(pickle.dumps((stamp, dict(KNOWN_POINTS)), protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(temporary, cache_file)
    _LOADED[cache_file] = len(KNOWN_POINTS)


_LOADED: dict[Path, int] = {}
