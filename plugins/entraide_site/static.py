"""The theme's static files (CSS, JS, vendored Leaflet), copied to output/theme/ only when they differ.

Pelican's own copy rewrites every file on each build; ours leaves unchanged files (and their mtimes) alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from .output import OutputFolder

OUTPUT_PREFIX = "theme"


def copy_static(static: Path, output: OutputFolder, minify_css: bool) -> None:
    if not static.is_dir():
        return
    for source in sorted(p for p in static.rglob("*") if p.is_file() and not p.name.startswith(".")):
        relative = source.relative_to(static).as_posix()
        data = source.read_bytes()
        if minify_css and relative.startswith("css/") and source.suffix == ".css":
            data = minified(data.decode("utf-8")).encode("utf-8")
        output.write(f"{OUTPUT_PREFIX}/{relative}", data, fingerprint="")


def minified(css: str) -> str:
    """Comments and layout whitespace removed; enough for our own hand-written stylesheet."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};,>])\s*", r"\1", css)
    css = re.sub(r":\s+", ":", css)
    return css.replace(";}", "}").strip() + "\n"
