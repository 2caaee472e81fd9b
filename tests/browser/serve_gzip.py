"""Serve a built site on 127.0.0.1 the way a static host or CDN does: text gzipped, long cache for assets.

Used by scripts/audit.sh so that Lighthouse measures what residents would download, not an uncompressed
development server. `python tests/browser/serve_gzip.py FOLDER --port 8765`.
"""

from __future__ import annotations

import argparse
import gzip
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

COMPRESSED_TYPES = (".html", ".css", ".js", ".mjs", ".json", ".geojson", ".svg", ".xml", ".txt")


class GzipHandler(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 (the standard library's own pattern)
        **SimpleHTTPRequestHandler.extensions_map,
        ".geojson": "application/geo+json",
        ".wasm": "application/wasm",
        ".js": "text/javascript",
    }

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir() and urlsplit(self.path).path.endswith("/"):
            path = path / "index.html"
        gzip_ok = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (gzip_ok and path.is_file() and path.suffix in COMPRESSED_TYPES):
            return super().send_head()  # redirects, 404s, images and pre-compressed files as they are
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache" if path.suffix == ".html" else "public, max-age=86400")
        self.end_headers()
        return BytesIO(body)

    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    handler = partial(GzipHandler, directory=str(args.folder))
    with ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
