"""`pelican -r` rebuilds the site when an entry file changes, not only content, theme and settings.

Pelican's autoreload watches the settings file, THEME, PATH and PATH's STATIC_PATHS, nothing else: it has
no setting for other folders (pelican.utils.wait_for_changes). So the submissions folder is added to
STATIC_PATHS for the watcher, and taken out again for Pelican's static generator, which would otherwise
copy the entry files (sealed contacts included) into the site. Our generator reads the entries itself.
"""

from __future__ import annotations

from typing import Any

from .settings import submissions_folder


def watch_submissions(pelican: Any) -> None:
    """On `initialized`: the settings `pelican -r` reads to know what to watch."""
    folder = submissions_folder(pelican.settings)
    if folder not in pelican.settings["STATIC_PATHS"]:
        pelican.settings["STATIC_PATHS"] = [*pelican.settings["STATIC_PATHS"], folder]


def copy_no_entry_file(generator: Any) -> None:
    """On `static_generator_init`: this generator alone gets STATIC_PATHS without the submissions."""
    folder = submissions_folder(generator.settings)
    kept = [path for path in generator.settings["STATIC_PATHS"] if path != folder]
    generator.settings = {**generator.settings, "STATIC_PATHS": kept}
