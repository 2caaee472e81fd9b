"""Entraide's Pelican plugin: approved entries (YAML) → listings, entry pages, GeoJSON, feeds, statistics.

`register()` connects one signal to one generator; see generator.py for the chain of steps.
"""

from pelican import signals

from .generator import SiteGenerator


def get_generators(pelican: object) -> type[SiteGenerator]:
    return SiteGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
