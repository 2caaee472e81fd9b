"""Pelican plugin: once the site is written, Pagefind indexes the entry pages: search without a server."""

from .search import register

__all__ = ["register"]
