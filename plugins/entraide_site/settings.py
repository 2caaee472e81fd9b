"""The plugin's settings: Pelican's own names for what other tools share, one `ENTRAIDE` dict for the rest.

Checked once at start-up so that a typo stops the build with a message instead of a strange site.
`SETTINGS` is the documentation: docs/site.md and the tests read it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# name: (type, description)
SETTINGS: dict[str, tuple[type, str]] = {
    "per_page": (int, "Entries per listing page (commune, category)."),
    "feed_size": (int, "Entries in each Atom feed, newest first."),
    "recent_count": (int, "Recent requests and recent offers shown on the home page (each)."),
    "print_limit": (int, "Most entries on a commune's printable list (requests first)."),
    "phone_line": (str, "Phone line printed on the commune lists for people without Internet."),
    "public_url": (str, "Absolute address of the site, used in feeds and the sitemap."),
    "cache_path": (str, "Folder for the build cache (parsed entries, page fingerprints); safe to delete."),
    "workers": (int, "Processes rendering pages on a full build; 0 = one per CPU."),
    "minify_css": (bool, "Write main.css without comments and indentation (publishconf.py)."),
    "first_messages_path": (
        str,
        "JSON file written by `entraide relay-times`: the median time from publication to a first relayed message, "
        "shown on /statistiques/; empty: that figure is left out.",
    ),
}


class SettingsError(Exception):
    """A setting is wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class SiteSettings:
    submissions_path: str
    build_date: dt.date
    endpoint_url: str
    siteurl: str
    sitename: str
    content_path: str
    theme_path: str
    output_path: str
    map_tile_url: str
    map_tile_attribution: str
    map_tile_max_zoom: int
    per_page: int
    feed_size: int
    recent_count: int
    print_limit: int
    phone_line: str
    public_url: str
    cache_path: str
    workers: int
    minify_css: bool
    first_messages_path: str
    first_messages: tuple[float | None, int] = (None, 0)  # (median seconds, entries), read from first_messages_path

    def fingerprint(self) -> str:
        """What in the settings changes pages (not where things are read from or written to)."""
        skip = {
            "submissions_path",
            "content_path",
            "output_path",
            "cache_path",
            "workers",
            "theme_path",
            "first_messages_path",  # its figures count, read into first_messages
        }
        return repr({key: value for key, value in self.__dict__.items() if key not in skip})


def load_settings(pelican: dict[str, Any], output_path: str) -> SiteSettings:
    """Our settings from Pelican's, checked; raises SettingsError naming the setting at fault."""
    own = _check_namespace(pelican.get("ENTRAIDE", {}))
    return SiteSettings(
        submissions_path=_existing_folder(submissions_folder(pelican)),
        build_date=_build_date(pelican.get("BUILD_DATE", ""), pelican.get("TIMEZONE") or "UTC"),
        endpoint_url=_url("ENDPOINT_URL", pelican.get("ENDPOINT_URL") or "http://127.0.0.1:8001"),
        siteurl=(pelican.get("SITEURL") or "").rstrip("/"),
        sitename=pelican["SITENAME"],
        content_path=pelican["PATH"],
        theme_path=pelican["THEME"],
        output_path=os.path.abspath(output_path),
        map_tile_url=pelican.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        map_tile_attribution=pelican.get("MAP_TILE_ATTRIBUTION", "© OpenStreetMap"),
        map_tile_max_zoom=int(pelican.get("MAP_TILE_MAX_ZOOM", 19)),
        first_messages=_first_messages(own["first_messages_path"]),
        **own,
    )


def _first_messages(path: str) -> tuple[float | None, int]:
    """The median and its count from `entraide relay-times`'s JSON; a path that cannot be read stops the build."""
    if not path:
        return None, 0
    import json

    try:
        data = json.loads(Path(path).read_text("utf-8"))
        median, entries = data["median_seconds"], int(data["entries"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SettingsError(
            f"ENTRAIDE['first_messages_path']: {path} cannot be read ({error}); write it with "
            "`entraide relay-times > file.json`, or leave the setting empty"
        ) from None
    return (float(median) if median is not None else None), entries


def submissions_folder(pelican: dict[str, Any]) -> str:
    """SUBMISSIONS_PATH, absolute: pelicanconf.py's default is beside it, a path given on the command line
    (`make html SUBMISSIONS=...`, `-e`) or in ENTRAIDE_SUBMISSIONS_PATH is from the current folder."""
    return os.path.abspath(pelican.get("SUBMISSIONS_PATH") or "submissions")


def _existing_folder(path: str) -> str:
    """A missing folder is a typo, not a territory without entries (that one is an empty folder)."""
    if not os.path.isdir(path):
        raise SettingsError(
            f"SUBMISSIONS_PATH: no folder {path}; give the folder of approved entries (make html SUBMISSIONS=..., "
            "or ENTRAIDE_SUBMISSIONS_PATH), an empty one for a site without entries"
        )
    return path


def _check_namespace(values: Any) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise SettingsError("ENTRAIDE must be a dict of the plugin's settings")
    unknown = sorted(set(values) - set(SETTINGS))
    missing = sorted(set(SETTINGS) - set(values))
    if unknown or missing:
        raise SettingsError(
            f"ENTRAIDE: unknown keys {unknown}, missing keys {missing}; expected exactly {sorted(SETTINGS)}"
        )
    for key, (kind, description) in SETTINGS.items():
        if type(values[key]) is not kind:
            raise SettingsError(f"ENTRAIDE[{key!r}] must be a {kind.__name__} ({description}), got {values[key]!r}")
    for key in ("per_page", "feed_size", "recent_count", "print_limit"):
        if values[key] < 1:
            raise SettingsError(f"ENTRAIDE[{key!r}] must be at least 1, got {values[key]}")
    return {**values, "public_url": _url("ENTRAIDE['public_url']", values["public_url"])}


def _build_date(value: Any, timezone: str) -> dt.date:
    """Today is the territory's (TIMEZONE): an entry created at 00:30 in Grenoble is published by a build
    made at that time on a machine whose clock says 23:30 the day before (UTC)."""
    if value in ("", None):
        return dt.datetime.now(ZoneInfo(timezone)).date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SettingsError(f"BUILD_DATE must be empty (today) or a date YYYY-MM-DD, got {value!r}") from None


def _url(name: str, value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise SettingsError(f"{name} must start with http:// or https://, got {value!r}")
    return value.rstrip("/")
