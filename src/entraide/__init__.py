"""Entraide: the shared core of the mutual-aid platform (no Pelican, no web framework inside)."""
