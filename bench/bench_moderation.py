"""`entraide check`, `expire` and `stats` on many entry files, side by side with the naive way.

For ENTRAIDE_BENCH_MODERATION_SIZE generated entries (default 50,000) it times:
- the naive check: one process reading each file with the core's `read_entry` (the pipeline: schema and
  content rules; what a first script would do), without duplicate detection;
- `check_paths` on one process, then on every core (what `entraide check` does);
- `entraide check` as a moderator or CI runs it (a new process, output to a pipe);
- `entraide expire --dry-run` and `entraide stats` as processes.
Entries are kept under .bench/moderation/ (git-ignored) between runs.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from entraide.moderation.checks import check_paths
from entraide.pipeline import entry_paths, read_entry
from entraide.samples import write_samples

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".bench" / "moderation"


def main() -> None:
    size = int(os.environ.get("ENTRAIDE_BENCH_MODERATION_SIZE", "50000"))
    root = _entries(size)
    print(
        f"{size:,} entry files in {root.relative_to(ROOT)} ({os.cpu_count()} cores; CPU s = all processes, "
        "steadier than wall time on a busy machine)"
    )
    _, naive = _row("naive check (read_entry, 1 process)", size, lambda: _naive_check(root))
    one, _ = _row("check_paths, 1 process", size, lambda: check_paths([root], workers=1), naive)
    every, _ = _row(f"check_paths, {os.cpu_count()} processes", size, lambda: check_paths([root]), naive)
    print(
        f"  findings: {len(every.errors)} errors, {len(every.warnings)} warnings "
        "(the samples reuse 16 texts: most are 'same text' duplicates)"
    )
    assert every.findings == one.findings, "parallel and sequential checks disagree"
    for label, args in (
        ("entraide check (process, stdout to a pipe)", ["check", str(root)]),
        (
            "entraide expire --dry-run --date 2026-12-15",
            ["expire", "--submissions", str(root), "--dry-run", "--date", "2026-12-15"],
        ),
        ("entraide stats --format json", ["stats", "--submissions", str(root), "--format", "json"]),
    ):
        _row(label, size, lambda args=args: _process(args))


def _entries(size: int) -> Path:
    root = BENCH / f"{size}" / "submissions"
    if not (root.parent / "complete").exists():
        root.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_samples(root, size, lifetime_days=30)
        (root.parent / "complete").write_text("")
        print(f"generated {size:,} sample entries in {time.perf_counter() - started:.1f} s")
    return root


def _naive_check(root: Path) -> int:
    problems = 0
    for path in entry_paths(root):
        problems += len(read_entry(path)[1])
    return problems


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _process(args: list[str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "entraide.cli", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def _row(label: str, size: int, work, naive_seconds: float | None = None):  # type: ignore[no-untyped-def]
    """Run `work` and print its wall and CPU time; returns its result and wall seconds."""
    started, cpu = time.perf_counter(), _cpu()
    result = work()
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    ratio = f"  ({naive_seconds / seconds:.1f}x the naive way)" if naive_seconds else ""
    print(f"  {label:<48} {seconds:6.1f} s  {cpu:6.1f} CPU s  {size / seconds:8,.0f} files/s{ratio}", flush=True)
    return result, seconds
