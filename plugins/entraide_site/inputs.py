"""A digest of everything a build reads, cheap enough to compute on every build (no file is parsed).

Entry files count by (path, mtime_ns, size), as `make` would; the code, templates, theme files,
content pages and settings by their bytes. When the digest equals the last successful build's and
the output files are still as that build left them, there is nothing to do.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import entraide

from .settings import SiteSettings


def inputs_digest(settings: SiteSettings, code: str) -> str:
    """`code` is code_digest(settings): what the pages are made with; then what they are made from."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{code}\0{settings.fingerprint()}".encode())
    for name, stat in _stamps(Path(settings.theme_path) / "static"):
        digest.update(f"{name}\0{stat}\n".encode())
    for name, stat in _stamps(Path(settings.submissions_path)):
        digest.update(f"{name}\0{stat}\n".encode())
    return digest.hexdigest()


def code_digest(settings: SiteSettings) -> str:
    """Templates, the plugin, the shared core (code and data) and the content pages: a change renders every page."""
    digest = hashlib.blake2b(digest_size=16)
    for path in _source_files(settings):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _source_files(settings: SiteSettings) -> list[Path]:
    core = Path(entraide.__file__).parent
    return sorted(
        [
            *(Path(settings.theme_path) / "templates").rglob("*.*"),
            *Path(__file__).parent.glob("*.py"),
            *core.glob("*.py"),  # the shared core only: the endpoint's code does not change pages
            *(core / "templates").glob("*.html"),  # the forms' fields, shared with the endpoint
            *(core / "data").glob("*.*json"),
            *Path(settings.content_path).glob("*.md"),
        ]
    )


def _stamps(root: Path) -> list[tuple[str, tuple[int, int]]]:
    """(path, (mtime_ns, size)) of every file below `root`, with os.scandir: 100,000 files in a blink."""
    found = []
    pending = [str(root)] if root.is_dir() else []
    while pending:
        with os.scandir(pending.pop()) as items:
            for item in items:
                if item.is_dir(follow_symlinks=False):
                    pending.append(item.path)
                elif item.is_file():
                    stat = item.stat()
                    found.append((item.path, (stat.st_mtime_ns, stat.st_size)))
    return sorted(found)
