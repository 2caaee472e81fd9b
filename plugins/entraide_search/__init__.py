"""Pelican plugin: a Pagefind index of the published entries, made from the data, for search without a server."""

from .search import register

__all__ = ["register"]
