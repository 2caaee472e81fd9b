"""Entraide's Pelican plugin: approved entries (YAML) → listings, entry pages, GeoJSON, feeds, statistics.

`register()` connects one signal to one generator (generator.py: the chain of steps), and two to make
`pelican -r` watch the entry files (watch.py).
"""

from pelican import signals

from .generator import SiteGenerator
from .watch import copy_no_entry_file, watch_submissions


def get_generators(pelican: object) -> type[SiteGenerator]:
    return SiteGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
    signals.initialized.connect(watch_submissions)
    signals.static_generator_init.connect(copy_no_entry_file)
