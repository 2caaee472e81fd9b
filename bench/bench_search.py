"""Search without a server, measured: indexing time, the index's size and the bytes one search downloads.

For each size (ENTRAIDE_BENCH_SIZES, default 10000,50000 here) it generates fictional entries, builds the
site with its index (`make html`), then times the entraide_search plugin indexing the same entries alone,
from nothing, in this process (wall time, and CPU time of this process and of Pagefind's), and measures
the index: files, shards, bytes. Then Debian's Chromium, on the site served on 127.0.0.1, runs searches
through Pagefind's JS API exactly as theme/static/search/search.js does (shards.json, the first shard as
Pagefind's primary index, the others merged), each in a fresh browser context (a cold cache, as a
first-time visitor), and the bytes it fetched are added up: as sent by our plain test server (Pagefind's
own index files are already gzipped), and with text files gzipped as a static host does.

Everything is written under .bench/search/ (git-ignored); generated entries are kept between runs.
"""

from __future__ import annotations

import gzip
import importlib
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.bench_site import set_aside
from entraide.pipeline import read_entry
from entraide.samples import write_samples
from tests.harness.chromium import launch
from tests.harness.site import SiteServer

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".bench" / "search"
DEFAULT_SIZES = (10_000, 50_000)
BUILD_DATE = "2026-12-01"  # samples are created over November 2026 and live a year: all active
LIFETIME_DAYS = 365
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
    const index = await (await fetch('/pagefind/shards.json', { cache: 'no-cache' })).json();
    const pagefind = await import('/pagefind/pagefind.js');
    await pagefind.options({ basePath: '/pagefind/' + index.shards[0] + '/', baseUrl: '/' });
    await Promise.all(index.shards.slice(1).map(shard => pagefind.mergeIndex('/pagefind/' + shard + '/')));
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
        time_indexing(search, size)
        print_index(output / "pagefind")
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
    ]
    set_aside(output)
    set_aside(BENCH / f"cache-{size}")
    environ = {**os.environ, "ENTRAIDE_CACHE_PATH": str(BENCH / f"cache-{size}"), "ENTRAIDE_SEARCH_ENABLED": "1"}
    result = subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"the site build failed:\n{result.stdout}\n{result.stderr}")
    pages = len(list(output.glob("annonces/*/index.html")))
    print(
        f"\n{size} entries: site and index built in {time.perf_counter() - started:.1f} s, {pages} entry pages "
        f"(load {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return output


def time_indexing(search, size: int) -> None:
    """The plugin's indexing alone, from nothing: records, shards, Pagefind, files written."""
    entries = [entry for entry, _ in map(read_entry, sorted((BENCH / f"entries-{size}").glob("*/*.yaml")))]
    load = os.getloadavg()[0]
    scratch = BENCH / f"indexing-{size}"
    set_aside(scratch)
    cpu, children, started = time.process_time(), _children_cpu(), time.perf_counter()
    outcome = search.index_entries(entries, scratch, search.Manifest(), search.search_salt("fr"), "fr")
    seconds = time.perf_counter() - started
    cpu, children = time.process_time() - cpu, _children_cpu() - children
    set_aside(scratch)
    print(
        f"  indexing alone: {seconds:.1f} s wall ({size / seconds:,.0f} entries/s), {cpu:.1f} s CPU here + "
        f"{children:.1f} s CPU in Pagefind, {len(outcome.manifest.shards)} shards, load {load:.1f}"
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def print_index(bundle: Path) -> None:
    files = [p for p in bundle.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    shards = json.loads((bundle / "shards.json").read_text())["shards"]
    largest = max(files, key=lambda p: p.stat().st_size)
    print(f"  index: {total / 1024 / 1024:.1f} MB in {len(files)} files, {len(shards)} shards, one fragment per entry;")
    print(f"         largest {largest.relative_to(bundle)} {largest.stat().st_size / 1024:.1f} KB")


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
    """The plugin's own functions (plugins/ is on Pelican's plugin path, not on sys.path)."""
    sys.path.insert(0, str(ROOT / "plugins"))
    try:
        return importlib.import_module("entraide_search.indexing")
    finally:
        sys.path.remove(str(ROOT / "plugins"))


if __name__ == "__main__":
    main()
