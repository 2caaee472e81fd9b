"""What the build publishes for the alerts: a manifest of public fields, and links to the subscription form."""

from __future__ import annotations

import json
from pathlib import Path

from entraide.alerts.manifest import read_manifest
from entraide.communes import load_communes

from .site_fixtures import HOSTILE_TITLE
from .site_html import read_page


def test_the_manifest_lists_every_active_entry_with_public_fields_only(site: Path, entries) -> None:
    data = json.loads((site / "alertes" / "manifest.json").read_text("utf-8"))
    records = {record["id"]: record for record in data["entries"]}
    listed = {e.id for e in entries if (site / "annonces" / e.id / "index.html").exists()}
    assert set(records) == listed
    for record in records.values():
        assert set(record) == {"id", "kind", "category", "commune", "title", "url", "created"}
    assert HOSTILE_TITLE.split()[0] in json.dumps(data, ensure_ascii=False)
    assert {e.entry_id for e in read_manifest(str(site / "alertes" / "manifest.json"))} == listed


def test_home_commune_and_category_pages_link_to_the_alerts_prefilled(site: Path) -> None:
    home = read_page(site, "/")
    assert any(a.attrs.get("href", "").endswith("/alertes/") for a in home.find_all("a"))
    grenoble = load_communes().by_code["38185"]
    commune = read_page(site, f"/communes/{grenoble.slug}/")
    assert any(a.attrs.get("href", "").endswith("/alertes/?commune=38185") for a in commune.find_all("a"))
    category = read_page(site, "/categories/courses/")
    assert any(a.attrs.get("href", "").endswith("/alertes/?categorie=groceries") for a in category.find_all("a"))
