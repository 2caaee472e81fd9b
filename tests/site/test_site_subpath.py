"""A site served under a sub-path, as a GitHub Pages project site is (https://org.github.io/entraide/).

Built for production (publishconf.py) with SITEURL http://127.0.0.1:<port>/entraide, served on loopback
by a server that answers only under /entraide/, then crawled: every link, stylesheet, script, image and
data address of every page, feed, sitemap, GeoJSON file and stylesheet is followed. None may leave the
sub-path or fail.
"""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import requests

from tests.harness.network import LOOPBACK, is_loopback
from tests.harness.site import build_site

from .site_fixtures import BUILD_DATE, fixture_entries, write_entries
from .site_html import Element, parse_html

PREFIX = "/entraide"
ENDPOINT = "http://127.0.0.1:9/"  # never reached: forms only have to point there


class UnderPrefix(SimpleHTTPRequestHandler):
    """The output folder at /entraide/, nothing anywhere else: what GitHub Pages does for a project site."""

    def do_GET(self) -> None:
        if not self.path.startswith(PREFIX + "/"):
            self.send_error(404)
            return
        self.path = self.path[len(PREFIX) :]
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("subpath")
    output = base / "output"
    output.mkdir()
    server = ThreadingHTTPServer((LOOPBACK, 0), partial(UnderPrefix, directory=str(output)))
    site = f"http://{LOOPBACK}:{server.server_address[1]}{PREFIX}"
    environ = {
        "ENTRAIDE_SITE_URL": site,
        "ENTRAIDE_ENDPOINT_URL": ENDPOINT,
        "ENTRAIDE_ALLOW_LOCAL_URLS": "1",
        "ENTRAIDE_SEARCH_ENABLED": "1",  # the search box loads its bundle from under the sub-path too
    }
    submissions = write_entries(base / "submissions", fixture_entries())
    result = build_site(
        submissions,
        output,
        build_date=BUILD_DATE,
        cache=base / "cache",
        settings_file="publishconf.py",
        environ=environ,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield site
    server.shutdown()
    server.server_close()


def html_addresses(page: Element, site: str) -> Iterator[str]:
    """Every address a browser (or our scripts) would request from this page."""
    for element in page.find_all():
        for name, value in element.attrs.items():
            if element.tag == "form" and name == "action":
                assert value.startswith(ENDPOINT.rstrip("/")), value  # the endpoint, not the site
            elif name in ("href", "src") or (name.startswith("data-") and name.endswith("-url")):
                if name == "data-site-url":  # map.js and search.js put paths after it
                    assert value.rstrip("/") == site, value
                elif value.startswith(ENDPOINT.rstrip("/") + "/alertes/"):
                    continue  # the endpoint's alerts page, like the forms' actions: not the site's
                elif "{" not in value:  # not the tile server's URL template
                    yield value


def document_addresses(url: str, body: str, site: str) -> Iterator[str]:
    path = urlsplit(url).path
    if path.endswith("/") or path.endswith(".html"):
        yield from html_addresses(parse_html(body), site)
    elif path.endswith(".xml"):
        root = ET.fromstring(body)
        yield from (element.attrib["href"] for element in root.iter("{http://www.w3.org/2005/Atom}link"))
        yield from (element.text for element in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"))
    elif path.endswith(".geojson"):
        for feature in json.loads(body)["features"]:  # map.js requests data-site-url + these paths
            yield from (site + feature["properties"][key] for key in ("url", "geojson") if key in feature["properties"])
    elif path.endswith(".css"):
        yield from (found.strip("'\"") for found in re.findall(r"url\(([^)]+)\)", body) if "data:" not in found)
    elif path.endswith("robots.txt"):
        yield from (line.partition(":")[2].strip() for line in body.splitlines() if line.startswith("Sitemap:"))


def test_every_link_of_every_page_stays_under_the_sub_path_and_works(served: str) -> None:
    origin = served.removesuffix(PREFIX)
    seen: set[str] = set()
    queue = [f"{served}/", f"{served}/404.html", f"{served}/robots.txt", f"{served}/sitemap.xml"]
    problems = []
    with requests.Session() as session:
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            answer = session.get(url, timeout=10, allow_redirects=False)
            if answer.status_code != 200:
                problems.append(f"{url}: HTTP {answer.status_code}")
                continue
            for address in document_addresses(url, answer.text, served):
                target = urldefrag(urljoin(url, address)).url
                if not is_loopback(target):
                    continue  # mailto:, OpenStreetMap's copyright page, …
                if not target.startswith(origin + PREFIX + "/"):
                    problems.append(f"{url}: {address} leaves {PREFIX}/")
                elif target not in seen:
                    queue.append(target)
    assert problems == []
    pages = [url for url in seen if url.endswith("/")]
    assert len(pages) > 700 and f"{served}/retirer/" in seen and f"{served}/theme/css/main.css" in seen
