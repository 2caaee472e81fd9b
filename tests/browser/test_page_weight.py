"""Page weight budgets on the demo site (the shipped submissions/ sample set), measured in Chromium.

Everything the page actually fetched from 127.0.0.1 is counted, gzipped as a static host would send it
(gzip level 6). Home and listing pages: HTML + CSS + JS ≤ 30 KB. Map page: its whole first load (HTML,
CSS, JS, the communes' boundaries, icons) ≤ 150 KB, tiles left out (they are blocked in tests).
"""

from __future__ import annotations

import gzip
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

KB = 1024
LISTING_BUDGET = 30 * KB
MAP_BUDGET = 150 * KB
CODE_TYPES = {"", ".html", ".css", ".js", ".mjs"}  # "" is a folder URL: its index.html


def gzipped_size(path: Path) -> int:
    """Bytes on the wire once compressed the way static hosts and CDNs usually do (gzip level 6)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def first_load(page, watch, demo_site, path: str) -> dict[str, int]:
    """Gzipped bytes of each file the page fetched from the site, by URL path."""
    page.goto(demo_site.url + path)
    page.wait_for_load_state("networkidle")
    sizes = {}
    for url in watch.loaded:
        parts = urlsplit(url)
        if parts.netloc == urlsplit(demo_site.url).netloc:
            sizes[parts.path] = gzipped_size(demo_site.file(parts.path))
    return sizes


def code_only(sizes: dict[str, int]) -> dict[str, int]:
    return {path: size for path, size in sizes.items() if PurePosixPath(path).suffix in CODE_TYPES}


def report(path: str, sizes: dict[str, int]) -> str:
    lines = [f"{path}: {sum(sizes.values()) / KB:.1f} KB gzipped"]
    lines += [f"  {size / KB:6.1f} KB  {name}" for name, size in sorted(sizes.items(), key=lambda item: -item[1])]
    return "\n".join(lines)


@pytest.mark.parametrize("path", ["/", "/communes/grenoble/", "/categories/courses/"])
def test_home_and_listing_pages_weigh_at_most_30_kb(page, watch, demo_site, path):
    sizes = code_only(first_load(page, watch, demo_site, path))
    print(report(path, sizes))
    assert sum(sizes.values()) <= LISTING_BUDGET, report(path, sizes)


def test_map_page_first_load_weighs_at_most_150_kb_without_tiles(page, watch, demo_site):
    sizes = first_load(page, watch, demo_site, "/carte/")
    print(report("/carte/", sizes))
    assert any(name.endswith(".geojson") for name in sizes), "the map loaded no boundaries"
    assert sum(sizes.values()) <= MAP_BUDGET, report("/carte/", sizes)


LAYOUT_SHIFT_OBSERVER = """
window.layoutShifts = [];
new PerformanceObserver((list) => {
  for (const shift of list.getEntries()) {
    if (!shift.hadRecentInput) {
      const moved = shift.sources.map((s) => (s.node ? s.node.id || s.node.className || s.node.nodeName : '?'));
      window.layoutShifts.push({value: shift.value, moved: moved});
    }
  }
}).observe({type: 'layout-shift', buffered: true});
"""


@pytest.mark.parametrize("path", ["/", "/communes/grenoble/", "/carte/"])
def test_page_does_not_jump_while_it_loads(page, demo_site, path):
    """Cumulative layout shift under 0.1 (Web Vitals' 'good') on a phone-sized screen: nothing a resident
    is about to tap moves under their finger."""
    page.set_viewport_size({"width": 412, "height": 823})
    page.add_init_script(LAYOUT_SHIFT_OBSERVER)
    page.goto(demo_site.url + path)
    page.wait_for_load_state("networkidle")
    shifts = page.evaluate("window.layoutShifts")
    assert sum(shift["value"] for shift in shifts) < 0.1, shifts
