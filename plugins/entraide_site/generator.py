"""The Entraide generator: entries in, every page out, as a chain of short steps.

    generate_context: settings → nothing changed? stop → entries (checked, all or nothing) → catalogue → pages
    generate_output:  fingerprints → render what changed → theme files → remove stale files → manifest → report
Entries are read by the core's one pipeline, the one `entraide check` uses: what check reports as an error
stops the build in generate_context, before Pelican lets anyone write a file, with check's words; its
warnings are printed and the build goes on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from entraide.entries import Entry
from entraide.pipeline import Finding, InvalidEntries, load

from .catalogue import Catalogue, build_catalogue
from .content import read_content_pages
from .inputs import code_digest, inputs_digest
from .output import OutputFolder
from .page import Page
from .pages import build_pages
from .points import load_points, save_points
from .rendering import make_environment, render_pages
from .settings import load_settings
from .static import copy_static

logger = logging.getLogger(__name__)


class BuildRefused(Exception):
    """The build stops and writes nothing; the message says what to fix."""


class SiteGenerator:
    def __init__(
        self, context: dict[str, Any], settings: dict[str, Any], path: str, theme: str, output_path: str, **_: Any
    ) -> None:
        self.settings = load_settings(settings, output_path)
        self.content_path = Path(path)
        self.started = time.perf_counter()
        self.pages: list[Page] = []
        self.unchanged = False

    def generate_context(self) -> None:
        output_path = self.settings.output_path
        self.output = OutputFolder(Path(output_path), self._cache_file("pages", output_path))
        self.code = code_digest(self.settings)
        self.inputs = inputs_digest(self.settings, self.code)
        self.unchanged = self.output.unchanged_since(self.inputs)
        if self.unchanged:
            return
        entries = self._load_entries()
        self.catalogue = build_catalogue(entries, self.settings.build_date)
        self.content = read_content_pages(self.content_path)
        self.env = make_environment(self.settings, {"content_pages": self.content})
        self.pages = build_pages(self.catalogue, self.content, self.settings, self._has_template("map.html"))

    def published(self) -> Catalogue:
        """The entries this build publishes, for the entraide_search plugin (loaded now if nothing changed)."""
        if not hasattr(self, "catalogue"):
            self.catalogue = build_catalogue(self._load_entries(), self.settings.build_date)
        return self.catalogue

    def generate_output(self, writer: Any) -> None:
        """Pelican's Writer always writes; ours (OutputFolder) leaves unchanged files alone."""
        if self.unchanged:
            logger.info("Entraide: nothing changed since the last build, no file written (%.2f s)", self._elapsed())
            return
        site = hashlib.blake2b(f"{self.code}\0{self.settings.fingerprint()}".encode()).hexdigest()
        todo = self._changed_pages(site)
        self._render(todo, site)
        copy_static(Path(self.settings.theme_path) / "static", self.output, self.settings.minify_css)
        stale = self.output.remove_stale()
        self.output.save_manifest(self.inputs)
        self._report(todo, stale)

    def _render(self, todo: list[tuple[Page, str | None]], site: str) -> None:
        points = self._cache_file("points", self.settings.submissions_path)
        load_points(points, self.code)
        render_pages(todo, self.env, self.output, self._workers(), site)
        save_points(points, self.code)

    def _report(self, todo: list[tuple[Page, str | None]], stale: list[str]) -> None:
        logger.info(
            "Entraide: %d active entries, %d pages, %d rendered, %d files written, %d removed in %.2f s",
            len(self.catalogue.entries),
            len(self.pages),
            len(todo),
            len(self.output.written),
            len(stale),
            self._elapsed(),
        )

    def _load_entries(self) -> list[Entry]:
        root = Path(self.settings.submissions_path)
        try:
            loaded = load(root, cache_path=self._cache_file("entries", str(root)), workers=self._workers())
        except InvalidEntries as error:
            _print(error.findings)
            count = len({finding.path for finding in error.errors})
            raise BuildRefused(
                f"{count} fichier(s) d'annonce refusé(s) dans {root} : rien n'a été construit. Corrigez les "
                "erreurs ci-dessus (fichier:ligne: clé: message), les mêmes que celles d'« entraide check »."
            ) from None
        if loaded.warnings:
            _print(loaded.warnings)
            logger.warning(
                "Entraide: %d warning(s) on entry files, printed above; those entries are published",
                len(loaded.warnings),
            )
        return loaded.entries

    def _changed_pages(self, site: str) -> list[tuple[Page, str | None]]:
        """The pages to render, with their fingerprint; on a first build, all (the workers fingerprint them)."""
        if not self.output.previous:
            return [(page, None) for page in self.pages]
        memo: dict[int, str] = {}
        todo = []
        for page in self.pages:
            fingerprint = page.fingerprint(site, memo)
            if not self.output.is_current(page.file, fingerprint):
                todo.append((page, fingerprint))
        return todo

    def _has_template(self, name: str) -> bool:
        found = (Path(self.settings.theme_path) / "templates" / name).is_file()
        if not found:
            logger.warning("Entraide: theme/templates/%s is missing; /carte/ is not built", name)
        return found

    def _cache_file(self, kind: str, key: str) -> Path:
        """One cache file per source or output folder, so builds of different folders never mix."""
        digest = hashlib.blake2b(os.path.abspath(key).encode(), digest_size=8).hexdigest()
        return Path(self.settings.cache_path) / f"{kind}-{digest}.pickle"

    def _workers(self) -> int:
        return self.settings.workers or os.cpu_count() or 1

    def _elapsed(self) -> float:
        return time.perf_counter() - self.started


def _print(findings: list[Finding]) -> None:
    """As `entraide check` prints them, one write (thousands of lines flushed one by one are slow)."""
    print("\n".join(str(finding) for finding in findings), file=sys.stderr)
