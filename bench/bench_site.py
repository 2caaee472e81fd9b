"""The site build, measured side by side with the naive way on the same generated entries.

For each size (ENTRAIDE_BENCH_SIZES, default 2000,10000,50000,100000) it builds our site with Pelican
and our plugins, search index included, and the naive way: one Pelican Markdown article per entry, built
by Pelican alone with its default theme, then Pagefind run on its output as Pagefind's documentation says
(`pagefind --site output`). It prints wall time, CPU time, entries per second, pages written and peak
memory (the summed proportional set size of the build's processes, sampled), the machine's load average
when the build started (other jobs stretch wall times, not CPU times), then the ratio. The largest size
is ours only. At 10,000 entries it also measures rebuilds: nothing changed, one entry edited, one new entry
approved, counting the files whose modification time moved. Then the largest commune GeoJSON and the
page weights, gzipped.

Everything is written under .bench/site/ (git-ignored); generated entries are kept between runs.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

from entraide.entries import Entry, entry_path, write_entry
from entraide.pipeline import read_entry
from entraide.samples import generate, write_samples

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".bench" / "site"
TRASH = ROOT / ".bench" / "trash"
DEFAULT_SIZES = (2_000, 10_000, 50_000, 100_000)
OURS_ONLY_FROM = 100_000  # the naive way is not run at this size: the issue asks for ours only
REBUILD_SIZE = 10_000
NAIVE_BUDGET_S = 600  # the naive build is skipped when its estimated time exceeds this, or stopped after it
BUILD_DATE = "2026-12-01"  # samples are created over November 2026 and live a year: all active
LIFETIME_DAYS = 365
GZIP_LEVEL = 6  # what web servers use by default

NAIVE_CONF = """\
# The naive way: Pelican alone, one Markdown article per entry, its default theme.
AUTHOR = "Entraide"
SITENAME = "Entraide (naive)"
SITEURL = ""
PATH = "content"
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
DEFAULT_PAGINATION = 20
"""


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    peak_mb: float
    returncode: int
    output: str = ""
    load: float = 0.0  # the machine's 1-minute load average when the command started

    def then(self, other: Run) -> Run:
        """This run followed by `other`: times add up, the peak is the larger one."""
        return Run(
            self.seconds + other.seconds,
            self.cpu_seconds + other.cpu_seconds,
            max(self.peak_mb, other.peak_mb),
            self.returncode or other.returncode,
            self.output + other.output,
            self.load,
        )


@dataclass
class Build:
    entries: int
    run: Run
    pages: int

    @property
    def rate(self) -> float:
        return self.entries / self.run.seconds if self.run.seconds else 0.0


def main() -> None:
    sizes = bench_sizes()
    print(f"Machine: {machine()}")
    print(
        f"Sizes: {', '.join(f'{n:,}' for n in sizes)} entries (ENTRAIDE_BENCH_SIZES to change); "
        f"build date {BUILD_DATE}; files under {BENCH.relative_to(ROOT)}/\n"
    )
    results: list[tuple[int, Build, Build | None, str]] = []
    naive_rate = None
    for size in sizes:
        data = sample_data(size)
        ours = build_ours(data, size)
        naive, note = None, ""
        if size >= OURS_ONLY_FROM:
            note = "ours only"
        elif naive_rate and size / naive_rate > NAIVE_BUDGET_S:
            note = f"naive skipped: estimated {size / naive_rate / 60:.0f} min at {naive_rate:.0f} entries/s"
        else:
            naive = build_naive(data, size)
            if naive.run.returncode == 0:
                naive_rate = naive.rate
            else:
                note = f"naive failed or stopped after {naive.run.seconds:.0f} s"
                naive = None
        results.append((size, ours, naive, note))
        print_build_line(size, ours, naive, note)
        if size == REBUILD_SIZE:
            print_rebuilds(data, size)
        print_geojson(size)
    print_summary(results)
    print_page_weights(REBUILD_SIZE if REBUILD_SIZE in sizes else sizes[0])


def bench_sizes() -> list[int]:
    raw = os.environ.get("ENTRAIDE_BENCH_SIZES", "")
    if not raw.strip():
        return list(DEFAULT_SIZES)
    return sorted({int(part.replace("_", "")) for part in raw.split(",") if part.strip()})


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else ""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]  # other jobs on the machine stretch wall times, not CPU times
    return (
        f"{os.cpu_count()} CPU ({model or 'unknown'}), {memory:.0f} GB RAM, Python {sys.version.split()[0]}, "
        f"load average {load:.1f}"
    )


# --- Data ---------------------------------------------------------------------------------------------


def sample_data(size: int) -> Path:
    """The generated entries for `size`, written once and kept (a stamp says the folder is complete)."""
    folder = BENCH / f"data-{size}"
    stamp = folder / ".complete"
    if not stamp.exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        write_samples(folder, size, lifetime_days=LIFETIME_DAYS)
        stamp.write_text(f"{size}\n")
        print(f"  ({size:,} entries generated in {time.perf_counter() - started:.1f} s)")
    return folder


def ours_output(size: int) -> Path:
    return BENCH / f"ours-{size}"


# --- Measuring a process -------------------------------------------------------------------------------


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float | None = None) -> Run:
    """Wall time, CPU time and peak memory of a command and every process it starts.

    CPU time (user + system, the command and its waited-for children, from wait4) says how much work a
    build does even when other jobs share the machine; wall time is what people wait.
    """
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        sampler = _MemorySampler(process.pid)
        sampler.start()
        timer = threading.Timer(timeout, process.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if timer:
            timer.cancel()
        sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read()
    return Run(seconds, usage.ru_utime + usage.ru_stime, sampler.peak_kb / 1024, process.returncode, output, load)


class _MemorySampler(threading.Thread):
    """Peak memory of a process and its descendants: the sum of their proportional set sizes (PSS, from
    /proc/<pid>/smaps_rollup), so pages that forked workers share with their parent count once."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.1):
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in _tree(self.pid)))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- Builds --------------------------------------------------------------------------------------------


def ours_command(data: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pelican",
        "content",
        "-s",
        "pelicanconf.py",
        "-o",
        str(output),
        "-e",
        f'SUBMISSIONS_PATH="{data}"',
        f'BUILD_DATE="{BUILD_DATE}"',
    ]


def ours_env(size: int) -> dict[str, str]:
    """The site and its search index, as `make html` builds them."""
    return {**os.environ, "ENTRAIDE_CACHE_PATH": str(BENCH / f"cache-{size}"), "ENTRAIDE_SEARCH_ENABLED": "1"}


def build_ours(data: Path, size: int) -> Build:
    """A full build from scratch: no output, no cache."""
    output = ours_output(size)
    set_aside(output)
    set_aside(BENCH / f"cache-{size}")
    run = measure(ours_command(data, output), ROOT, ours_env(size))
    if run.returncode != 0:
        print(run.output[-3000:])
        raise SystemExit(f"bench_site: our build of {size:,} entries failed")
    return Build(size, run, count_pages(output))


def build_naive(data: Path, size: int) -> Build:
    """Pelican, then Pagefind over everything it wrote, the way Pagefind's documentation starts."""
    folder = BENCH / f"naive-{size}"
    write_naive_project(data, folder)
    set_aside(folder / "output")
    command = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output"]
    run = measure(command, folder, timeout=NAIVE_BUDGET_S)
    if run.returncode == 0:
        search = [sys.executable, "-m", "pagefind", "--site", "output", "--silent"]
        indexed = measure(search, folder, timeout=NAIVE_BUDGET_S)
        pagefind = f"Pagefind {indexed.seconds:.1f} s, {indexed.cpu_seconds:.1f} s CPU, {indexed.peak_mb:,.0f} MB"
        print(f"    naive: Pelican {run.seconds:.1f} s, {run.cpu_seconds:.1f} s CPU; then {pagefind}")
        run = run.then(indexed)
    return Build(size, run, count_pages(folder / "output"))


def write_naive_project(data: Path, folder: Path) -> None:
    """One Markdown article per entry (written once; not part of the time, as the data would be stored so)."""
    stamp = folder / ".complete"
    if stamp.exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    content = folder / "content"
    content.mkdir(parents=True)
    (folder / "pelicanconf.py").write_text(NAIVE_CONF)
    for path in sorted(data.glob("*/*.yaml")):
        entry, _ = read_entry(path)
        if entry:
            (content / f"{entry.id}.md").write_text(naive_article(entry), "utf-8")
    stamp.write_text("done\n")


def naive_article(entry: Entry) -> str:
    created = dt.datetime.fromisoformat(entry.created)
    return (
        f"Title: {entry.title}\n"
        f"Date: {created:%Y-%m-%d %H:%M}\n"
        f"Slug: {entry.id}\n"
        f"Category: {entry.commune_slug}\n"
        f"Tags: {entry.category}, {entry.kind}\n"
        f"Author: {entry.name}\n"
        f"Summary: {entry.title}\n\n"
        f"{entry.description}\n\n"
        f"*Disponibilités :* {entry.availability or 'non précisées'}\n"
    )


def set_aside(folder: Path) -> None:
    """Move a previous build out of the way; bench/__main__.py deletes it once every benchmark has run.

    Deleting 100,000 files just before a build makes the next file creations slow for minutes (ext4 skips
    inodes freed in the last minutes): that would be measuring the benchmark's own clean-up, on both sides.
    So a run started within five minutes of another's end is slowed too.
    """
    if folder.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        folder.rename(TRASH / f"{folder.name}-{time.time_ns()}")


def empty_trash() -> None:
    shutil.rmtree(TRASH, ignore_errors=True)


def count_pages(output: Path) -> int:
    return sum(1 for _ in output.rglob("*.html")) if output.is_dir() else 0


# --- Rebuilds --------------------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def changed_files(before: dict[str, int], after: dict[str, int], output: Path) -> list[str]:
    """Files written (new or with a new modification time) or removed, relative to the output folder."""
    written = [path for path, mtime in after.items() if before.get(path) != mtime]
    removed = [path for path in before if path not in after]
    return sorted(str(Path(path).relative_to(output)) for path in written + removed)


def print_rebuilds(data: Path, size: int) -> None:
    output = ours_output(size)
    rebuild(data, size, "nothing changed", "≤ 1 s, 0 files")
    entry = next(generate(1))
    path = entry_path(data, entry)
    original = path.read_bytes()
    try:
        write_entry(data, _edited(entry))
        rebuild(data, size, "one entry edited", "≤ 1.5 s, a handful")
    finally:
        path.write_bytes(original)
        os.utime(path)  # the next build sees the file changed back, whatever the clock's resolution
        measure(ours_command(data, output), ROOT, ours_env(size))  # leave the output matching the data
    approved = _approved(entry)
    try:
        write_entry(data, approved)
        rebuild(data, size, "one new entry approved", "site and search ≤ 2 s")
    finally:
        entry_path(data, approved).unlink()
        measure(ours_command(data, output), ROOT, ours_env(size))


def rebuild(data: Path, size: int, label: str, goals: str) -> None:
    output = ours_output(size)
    before = snapshot(output)
    run = measure(ours_command(data, output), ROOT, ours_env(size))
    if run.returncode != 0:
        print(run.output[-3000:])
        raise SystemExit(f"bench_site: the rebuild ({label}) failed")
    print_rebuild(label, run, changed_files(before, snapshot(output), output), goals)


def print_rebuild(label: str, run: Run, changed: list[str], goals: str) -> None:
    shown = ", ".join(changed[:6]) + (", …" if len(changed) > 6 else "")
    print(
        f"    rebuild, {label}: {run.seconds:6.2f} s wall, {run.cpu_seconds:6.2f} s CPU, "
        f"{len(changed)} files written, load {run.load:.1f} (goals: {goals})"
    )
    if changed:
        print(f"      written: {shown}")


def _edited(entry: Entry) -> Entry:
    return replace(entry, title=entry.title[:60] + " (modifiée)")


def _approved(entry: Entry) -> Entry:
    """A new entry, as a moderator's approval adds one: a new id, created on the build date."""
    created, expires = "2026-11-30T09:00:00+01:00", "2027-06-01"  # published on BUILD_DATE
    return replace(entry, id="bench-approuvee-000001", title="Jardinage partagé", created=created, expires=expires)


# --- Sizes of what people download -------------------------------------------------------------------


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=GZIP_LEVEL))


def print_geojson(size: int) -> None:
    geo = ours_output(size) / "geo"
    files = [p for p in geo.glob("*.geojson") if p.name != "communes.geojson"]
    if not files:
        print("    (no commune GeoJSON found)")
        return
    largest = max(files, key=lambda p: p.stat().st_size)
    print(
        f"    largest commune GeoJSON: {largest.name}, {largest.stat().st_size / 1024:,.0f} KB, "
        f"{gzipped(largest) / 1024:,.1f} KB gzipped (aim at 10,000: ≤ 100 KB)"
    )


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.assets.append(found["src"] or "")
        if tag == "link" and found.get("rel") == "stylesheet" and found.get("href"):
            self.assets.append(found["href"] or "")


def page_weight(output: Path, page: str) -> tuple[int, list[str]]:
    """Gzipped bytes of the page's HTML plus every stylesheet and script it references."""
    html = output / page
    parser = _Assets()
    parser.feed(html.read_text("utf-8"))
    total = gzipped(html)
    for asset in parser.assets:
        path = output / asset.split("?")[0].lstrip("/")
        total += gzipped(path)
    return total, parser.assets


def print_page_weights(size: int) -> None:
    output = ours_output(size)
    listing = largest_listing(output)
    print(f"\nPage weight, gzipped (level {GZIP_LEVEL}), HTML + CSS + JS referenced, from the {size:,}-entry build:")
    for label, page, goal in (
        ("home", "index.html", 30),
        (f"listing ({listing})", listing, 30),
        ("map /carte/", "carte/index.html", 150),
    ):
        if not (output / page).exists():
            print(f"  {label:<40} (missing)")
            continue
        weight, assets = page_weight(output, page)
        print(f"  {label:<40} {weight / 1024:6.1f} KB  (goal ≤ {goal} KB; {len(assets)} CSS/JS files)")
    communes = output / "geo" / "communes.geojson"
    if communes.exists() and (output / "carte/index.html").exists():
        weight, _ = page_weight(output, "carte/index.html")
        print(f"  {'map + /geo/communes.geojson it fetches':<40} {(weight + gzipped(communes)) / 1024:6.1f} KB")


def largest_listing(output: Path) -> str:
    """The heaviest first page of a commune listing: the worst case of what people open."""
    pages = list(output.glob("communes/*/index.html"))
    if not pages:
        return "communes/index.html"
    return str(max(pages, key=lambda p: p.stat().st_size).relative_to(output))


# --- Printing -----------------------------------------------------------------------------------------------


def print_build_line(size: int, ours: Build, naive: Build | None, note: str) -> None:
    print(f"{size:>8,} entries")
    print(f"    ours : {describe(ours)}")
    if naive:
        print(f"    naive: {describe(naive)}")
        print(f"    ours is {naive.run.seconds / ours.run.seconds:.1f}× faster "
              f"({naive.run.cpu_seconds / ours.run.cpu_seconds:.1f}× less CPU time)")  # fmt: skip
    if note:
        print(f"    ({note})")


def describe(build: Build) -> str:
    return (
        f"{build.run.seconds:7.1f} s wall, {build.run.cpu_seconds:7.1f} s CPU, {build.rate:8,.0f} entries/s, "
        f"{build.pages:7,} pages, peak {build.run.peak_mb:6,.0f} MB, load {build.run.load:.1f}"
    )


def print_summary(results: list[tuple[int, Build, Build | None, str]]) -> None:
    print(f"\nFull builds on {machine()}")
    print("(search included on both sides; wall and CPU seconds; entries/s by wall time; peak MB = summed PSS")
    print(" of the build's processes; load = 1-minute load average when each build started)")
    header = (
        f"{'entries':>8} | {'ours s':>7} {'cpu s':>7} {'entries/s':>9} {'pages':>7} {'peak MB':>7} {'load':>4} | "
        f"{'naive s':>7} {'cpu s':>7} {'entries/s':>9} {'pages':>7} {'peak MB':>7} {'load':>4} | "
        f"{'wall ×':>6} {'cpu ×':>6}"
    )
    print(header)
    print("-" * len(header))
    for size, ours, naive, note in results:
        print(f"{size:>8,} | {columns(ours)} | " + (f"{columns(naive)} | {ratio(ours, naive)}" if naive else note))
    print("Goals: 10,000 entries ≥ 6× faster than naive; 100,000 entries < 60 s and < 1.5 GB, search included.")


def columns(build: Build) -> str:
    run = build.run
    return (
        f"{run.seconds:7.1f} {run.cpu_seconds:7.1f} {build.rate:9,.0f} {build.pages:7,} "
        f"{run.peak_mb:7,.0f} {run.load:4.1f}"
    )


def ratio(ours: Build, naive: Build) -> str:
    """How many times faster ours is, by wall time and by CPU time."""
    wall = naive.run.seconds / ours.run.seconds
    return f"{wall:5.1f}× {naive.run.cpu_seconds / ours.run.cpu_seconds:5.1f}×"


if __name__ == "__main__":
    main()
