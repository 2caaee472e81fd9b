"""A fake Base Adresse Nationale on 127.0.0.1: what the geocoder of the core asks, answered from a few places.

A query starting with "lent" is answered late, one starting with "panne" gets a 502.
"""

from __future__ import annotations

import contextlib
import json
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse


class FakeAddressAPI(BaseHTTPRequestHandler):
    """Answers like the Base Adresse Nationale's /search/: a GeoJSON FeatureCollection."""

    places: ClassVar[dict[str, tuple[float, float]]] = {}
    slow_seconds = 1.0
    queries: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query).get("q", [""])[0]
        self.queries.append(query)
        if query.startswith("lent"):
            time.sleep(self.slow_seconds)
        if query.startswith("panne"):
            self.send_response(502)
            self.end_headers()
            return
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(point)},
                "properties": {"label": name, "score": 0.93, "type": "housenumber"},
            }
            for name, point in self.places.items()
            if name.lower() == query.lower()
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features, "query": query}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the endpoint gave up waiting: what the slow case is about
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass
