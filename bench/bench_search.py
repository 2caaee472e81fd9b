"""Search without a server, measured: Pagefind's index size and the bytes one search downloads.

For each size (ENTRAIDE_BENCH_SIZES, default 10000,50000 here) it generates fictional entries, builds the
site, then times Pagefind indexing the entry pages (what the entraide_search plugin runs after a build)
and measures the index: all files, and the part a browser may fetch (the UI bundles Pagefind also writes
are never loaded by our search box). Then Debian's Chromium, on the site served on 127.0.0.1, runs searches
through Pagefind's JS API exactly as theme/static/search/search.js does, each in a fresh browser context
(a cold cache, as a first-time visitor), and the bytes it fetched are added up: as sent by our plain test
server (Pagefind's own index files are already gzipped), and with text files gzipped as a static host does.

Everything is written under .bench/search/ (git-ignored); generated entries are kept between runs.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from entraide.samples import write_samples
from tests.harness.chromium import launch
from tests.harness.site import SiteServer

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".bench" / "search"
DEFAULT_SIZES = (10_000, 50_000)
BUILD_DATE = "2026-12-01"  # samples are created over November 2026 and live a year: all active
LIFETIME_DAYS = 365
UI_BUNDLES = ("pagefind-ui", "pagefind-component-ui", "pagefind-modular-ui", "pagefind-highlight", "playground")
TEXT_TYPES = (".js", ".json", ".css", ".html")
SEARCHES = (
    ("one common word", "courses", {}),
    ("a rarer word", "pharmacie", {}),
    ("a word in one commune", "devoirs", {"commune": "Grenoble"}),
    ("a word, requests in one category", "aide", {"type": "Demande d'aide", "catégorie": "Courses"}),
    # What the search box refuses (the lists do it for free), measured to show why:
    ("no word, filters only (refused by the box)", None, {"type": "Demande d'aide", "catégorie": "Courses"}),
)
SEARCH_SCRIPT = """async ([query, filters]) => {
    const pagefind = await import('/pagefind/pagefind.js');
    await pagefind.options({ baseUrl: '/' });
    const started = performance.now();
    const found = await pagefind.search(query, { filters });
    const shown = await Promise.all(found.results.slice(0, 10).map(r => r.data()));
    return { count: found.results.length, shown: shown.length, ms: performance.now() - started };
}"""


@dataclass
class Download:
    raw: int  # bytes as our plain server sent them
    wire: int  # with text files gzipped, as a static host sends them
    files: int


def main() -> None:
    sizes = [int(s) for s in os.environ.get("ENTRAIDE_BENCH_SIZES", "").split(",") if s.strip()] or DEFAULT_SIZES
    search = _load_plugin()
    print(f"Pagefind {_pagefind_version()}, {os.cpu_count()} cores; searches as a first-time visitor (cold cache)")
    for size in sizes:
        output = build_site(size)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
            search.run_pagefind(output, Path(scratch), search.search_settings({}))
            seconds = time.perf_counter() - started
            shutil.rmtree(output / "pagefind", ignore_errors=True)
            search.sync_folder(Path(scratch), output / "pagefind")
        print_index(size, seconds, output / "pagefind")
        for name, query, filters in SEARCHES:
            count, ms, download = measure_search(output, query, filters)
            print(
                f"  search {name:<40} {count:>6} results, {ms:6.0f} ms: {download.files:>3} files, "
                f"{download.raw / 1024:7.1f} KB as sent, {download.wire / 1024:7.1f} KB gzipped on the wire"
            )


def build_site(size: int) -> Path:
    entries = BENCH / f"entries-{size}"
    if not entries.exists():
        print(f"Generating {size} entries into {entries} ...", flush=True)
        write_samples(entries, size, lifetime_days=LIFETIME_DAYS)
    output = BENCH / f"output-{size}"
    started = time.perf_counter()
    command = [
        str(Path(sys.executable).with_name("pelican")),
        "content",
        "-q",
        "-s",
        "pelicanconf.py",
        "-o",
        str(output),
        "-e",
        f"SUBMISSIONS_PATH={json.dumps(str(entries))}",
        f"BUILD_DATE={json.dumps(BUILD_DATE)}",
        'ENTRAIDE_SEARCH={"enabled": false}',  # indexed below, timed on its own
    ]
    environ = {**os.environ, "ENTRAIDE_CACHE_PATH": str(BENCH / f"cache-{size}")}
    result = subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"the site build failed:\n{result.stdout}\n{result.stderr}")
    pages = len(list(output.glob("annonces/*/index.html")))
    print(f"\n{size} entries: site built in {time.perf_counter() - started:.1f} s, {pages} entry pages", flush=True)
    return output


def print_index(size: int, seconds: float, bundle: Path) -> None:
    files = [p for p in bundle.rglob("*") if p.is_file()]
    fetchable = [p for p in files if not p.name.startswith(UI_BUNDLES)]
    total = sum(p.stat().st_size for p in files)
    usable = sum(p.stat().st_size for p in fetchable)
    largest = max(fetchable, key=lambda p: p.stat().st_size)
    print(f"  indexing: {seconds:.1f} s ({size / seconds:,.0f} pages/s)")
    print(f"  index: {total / 1024 / 1024:.1f} MB in {len(files)} files on disk; what a browser may fetch: ")
    print(f"         {usable / 1024 / 1024:.1f} MB in {len(fetchable)} files (fragments: one per entry), largest")
    print(f"         {largest.relative_to(bundle)} {largest.stat().st_size / 1024:.1f} KB")


def measure_search(output: Path, query: str | None, filters: dict[str, str]) -> tuple[int, float, Download]:
    from playwright.sync_api import sync_playwright

    server = SiteServer(output)
    fetched: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page()
            page.goto(server.url + "/404.html")
            page.on("requestfinished", lambda request: fetched.append(request.url))
            result = page.evaluate(SEARCH_SCRIPT, [query, filters])
            browser.close()
    finally:
        server.close()
    paths = [output / urlsplit(u).path.lstrip("/") for u in fetched if "/pagefind/" in u]
    raw = sum(p.stat().st_size for p in paths)
    wire = sum(_gzipped(p) if p.suffix in TEXT_TYPES else p.stat().st_size for p in paths)
    return result["count"], result["ms"], Download(raw, wire, len(paths))


def _gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def _pagefind_version() -> str:
    from importlib.metadata import version

    return version("pagefind")


def _load_plugin():
    """The plugin's own functions (plugins/ is not a package on sys.path outside Pelican)."""
    spec = importlib.util.spec_from_file_location("entraide_search_bench", ROOT / "plugins/entraide_search/search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    main()
