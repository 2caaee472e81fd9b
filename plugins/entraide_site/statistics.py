"""The /statistiques/ page: active offers and requests by category and by commune, and the same as CSV; what became
of the entries (open, taken, resolved).

Counts come from entraide.stats.count_entries, the function `entraide stats` uses, so the page, the CSV
and the moderators' command always agree.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from entraide.categories import load_categories, load_kinds
from entraide.communes import Commune
from entraide.entries import OPEN, RESOLVED, TAKEN
from entraide.stats import Stats

from .charts import bar_chart

CSV_URL = "/statistiques/entraide-statistiques.csv"


def statistics_context(stats: Stats, communes: list[Commune]) -> dict[str, Any]:
    by_category = [
        (c.label, stats.total(category=c.key, kind="request"), stats.total(category=c.key, kind="offer"))
        for c in load_categories()
    ]
    by_commune = [
        (c.name, stats.total(commune=c.code, kind="request"), stats.total(commune=c.code, kind="offer"))
        for c in communes
    ]
    return {
        "requests": stats.total(kind="request"),
        "offers": stats.total(kind="offer"),
        "by_category": by_category,
        "by_commune": by_commune,
        "category_chart": bar_chart(
            "graphique-categories",
            "Annonces actives par catégorie",
            "Demandes et offres d'aide actives dans chaque catégorie",
            by_category,
        ),
        "commune_chart": bar_chart(
            "graphique-communes",
            "Annonces actives par commune",
            "Demandes et offres d'aide actives dans chaque commune",
            by_commune,
        ),
        "csv_url": CSV_URL,
        **outcomes_context(stats, communes),
    }


def outcomes_context(stats: Stats, communes: list[Commune]) -> dict[str, Any]:
    """What became of the entries: open, taken, resolved, by category and by commune (communes with none left out)."""
    statuses = (OPEN, TAKEN, RESOLVED)
    by_category = [(c.label, *(stats.outcome(s, category=c.key) for s in statuses)) for c in load_categories()]
    by_commune = [(c.name, *(stats.outcome(s, commune=c.code) for s in statuses)) for c in communes]
    return {
        "outcome_totals": tuple(stats.outcome(s) for s in statuses),
        "outcomes_by_category": by_category,
        "outcomes_by_commune": [row for row in by_commune if any(row[1:])],
    }


def statistics_csv(stats: Stats, communes: list[Commune]) -> str:
    """One row per commune × category × kind, zeros included, with a BOM so spreadsheets read the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["code_insee", "commune", "categorie", "type", "annonces_actives"])
    for commune in communes:
        for category in load_categories():
            for kind in load_kinds():
                count = stats.active[commune.code, category.key, kind.key]
                writer.writerow([commune.code, commune.name, category.label, kind.label, count])
    return "\ufeff" + buffer.getvalue()
