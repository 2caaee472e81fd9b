"""The list of published entries the build writes for the alerts' sender: `alertes/manifest.json` on the site.

Written by the Pelican plugin (plugins/entraide_site), read by `entraide alerts send` from the output folder or
the site's address. It holds an entry's public fields only (never a contact): id, kind, category, commune,
title, its path on the site and its `created` time. When an entry was published, for the alerts, is when the
sender first finds it here (store/deliveries.py): a build from scratch does not make old entries new.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from entraide.categories import load_categories, load_kinds
from entraide.communes import load_communes
from entraide.store import SeenEntry
from entraide.store.opaque import OPAQUE

log = logging.getLogger("entraide.alerts")

URL = "/alertes/manifest.json"
VERSION = 1
TITLE_LENGTH = 200


class ManifestUnavailable(Exception):
    """The manifest cannot be read; the message says where it was looked for."""


class Published(Protocol):
    id: str
    kind: str
    category: str
    commune: str
    title: str
    created: str


def manifest_json(entries: Iterable[Published]) -> str:
    """The manifest of these entries (the plugin's renderer of /alertes/manifest.json)."""
    records = [
        {
            "id": e.id,
            "kind": e.kind,
            "category": e.category,
            "commune": e.commune,
            "title": e.title,
            "url": f"/annonces/{e.id}/",
            "created": e.created,
        }
        for e in entries
    ]
    return json.dumps({"version": VERSION, "entries": records}, ensure_ascii=False, indent=0) + "\n"


def read_manifest(location: str, timeout: float = 10.0) -> list[SeenEntry]:
    """The entries a manifest lists, from a file or an http(s) address; records that do not check out are
    skipped (logged by id): the sender never mails what the site does not show."""
    data = _load(location, timeout)
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise ManifestUnavailable(f"{location} is not an alerts manifest (no list of entries)")
    entries = []
    for record in data["entries"]:
        entry = _entry(record)
        if entry is None:
            log.warning(
                "manifest record skipped: %s", str(record.get("id", "?"))[:60] if isinstance(record, dict) else "?"
            )
        else:
            entries.append(entry)
    return entries


def _load(location: str, timeout: float) -> Any:
    try:
        if location.startswith(("http://", "https://")):
            from urllib.request import urlopen

            with urlopen(location, timeout=timeout) as response:  # noqa: S310 - the deployer's own site
                return json.loads(response.read())
        return json.loads(Path(location).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ManifestUnavailable(f"cannot read the alerts manifest {location}: {error}") from error


def _entry(record: Any) -> SeenEntry | None:
    if not isinstance(record, dict) or not all(isinstance(record.get(key), str) for key in _KEYS):
        return None
    known = (
        OPAQUE.fullmatch(record["id"])
        and record["commune"] in load_communes().by_code
        and record["category"] in {c.key for c in load_categories()}
        and record["kind"] in {k.key for k in load_kinds()}
        and record["url"] == f"/annonces/{record['id']}/"
    )
    if not known:
        return None
    title = " ".join(record["title"].split())[:TITLE_LENGTH]
    return SeenEntry(record["id"], record["commune"], record["category"], record["kind"], title, record["url"])


_KEYS = ("id", "kind", "category", "commune", "title", "url")
