"""Plain-text tables and exports for the terminal: pending entries and statistics, in French.

Residents' text goes to a terminal here, so every control or formatting character is replaced before it
is printed: a title must not move the cursor, change colours or reverse the line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from entraide.categories import load_categories, load_kinds
from entraide.communes import load_communes

if TYPE_CHECKING:
    from entraide.moderation.queue import PendingEntry
    from entraide.stats import Stats

SHORT_KINDS = {"offer": "off.", "request": "dem."}
CELL = 7


def printable(value: Any) -> str:
    """Text safe for a terminal: control and format characters (escape sequences, bidi) become « ? »."""
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in str(value))


def render(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Sequence[int] = (),
    shrink: int | None = None,
    width: int = 0,
) -> str:
    """Columns padded to their widest cell; column `shrink` is cut (…) so the table fits in `width`."""
    cells = [[printable(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    if shrink is not None and width:
        excess = sum(widths) + 2 * (len(widths) - 1) - width
        widths[shrink] = max(len(headers[shrink]), 12, widths[shrink] - max(0, excess))
    lines = []
    for number, row in enumerate(cells):
        parts = [_fit(cell, widths[i], i in right) for i, cell in enumerate(row)]
        lines.append("  ".join(parts).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fit(cell: str, width: int, right: bool) -> str:
    if len(cell) > width:
        cell = cell[: width - 1] + "…"
    return cell.rjust(width) if right else cell.ljust(width)


def pending_table(items: Sequence[PendingEntry], width: int) -> str:
    communes = load_communes().by_code
    kinds = {k.key: k.label for k in load_kinds()}
    categories = {c.key: c.label for c in load_categories()}
    rows = []
    for item in items:
        data = item.data
        commune = communes.get(str(data.get("commune")))
        rows.append(
            [
                item.id,
                _received(data.get("created")),
                commune.name if commune else str(data.get("commune", "?")),
                kinds.get(str(data.get("kind")), "?"),
                categories.get(str(data.get("category")), "?"),
                str(data.get("title", "")),
                flag_summary(item),
            ]
        )
    headers = ["Id", "Reçue le", "Commune", "Type", "Catégorie", "Titre", "À vérifier"]
    return render(headers, rows, shrink=5, width=width)


def flag_summary(item: PendingEntry) -> str:
    words = []
    if item.errors:
        words.append(f"{len(item.errors)} erreur{'s' if len(item.errors) > 1 else ''}")
    messages = " ".join(f.message for f in item.findings if f.severity != "error")
    if "mention de paiement" in messages:
        words.append("paiement")
    if "doublon possible" in messages:
        words.append("doublon")
    if "expirée" in messages:
        words.append("expirée")
    if "déposée par un agent" in messages:
        words.append("agent")
    return ", ".join(words) or "rien"


def _received(created: Any) -> str:
    try:
        return f"{dt.datetime.fromisoformat(str(created)):%d/%m/%Y %H:%M}"
    except ValueError:
        return "?"


def stats_rows(stats: Stats) -> list[dict[str, Any]]:
    """One row per commune, category and kind (zeros included), in the order the site shows them."""
    return [
        {
            "commune_code": commune.code,
            "commune": commune.name,
            "category": category.key,
            "category_label": category.label,
            "kind": kind.key,
            "kind_label": kind.label,
            "active": stats.active[commune.code, category.key, kind.key],
        }
        for commune in load_communes().all
        for category in load_categories()
        for kind in load_kinds()
    ]


def stats_table(stats: Stats, today: dt.date) -> str:
    """Communes down, categories across, each split into requests and offers; totals last."""
    categories, kinds = load_categories(), load_kinds()
    names = [c.name for c in load_communes().all]
    first = max(map(len, names)) + 2
    group = CELL * len(kinds) - 1

    def line(label: str, counts: list[int], total: int | str) -> str:
        cells = [
            "".join(f"{n:>{CELL}}" for n in counts[i : i + len(kinds)])[1:] for i in range(0, len(counts), len(kinds))
        ]
        return (label.ljust(first) + "   ".join(cells) + f"{total:>9}").rstrip()

    header = " " * first + "   ".join(c.label.split()[0][:group].ljust(group) for c in categories) + "    Total"
    subheader = " " * first + "   ".join(
        "".join(f"{SHORT_KINDS[k.key]:>{CELL}}" for k in kinds)[1:] for _ in categories
    )
    lines = [header.rstrip(), subheader.rstrip()]
    for commune in load_communes().all:
        counts = [stats.active[commune.code, c.key, k.key] for c in categories for k in kinds]
        lines.append(line(commune.name, counts, sum(counts)))
    totals = [stats.total(category=c.key, kind=k.key) for c in categories for k in kinds]
    lines.append(line("Total", totals, sum(totals)))
    offers, requests = stats.total(kind="offer"), stats.total(kind="request")
    return (
        f"Annonces actives au {today:%d/%m/%Y}, par commune, catégorie et type "
        "(dem. = demandes d'aide, off. = offres d'aide)\n\n" + "\n".join(lines) + "\n\n"
        f"Annonces actives : {stats.total()} ({requests} demandes, {offers} offres)\n"
        f"Annonces expirées encore dans le dépôt : {stats.expired} (entraide expire les retire)\n"
        f"Annonces en attente de modération : {stats.pending}"
    )


def stats_csv(stats: Stats) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["statut", "code_insee", "commune", "categorie", "type", "nombre"])
    for row in stats_rows(stats):
        writer.writerow(
            ["active", row["commune_code"], row["commune"], row["category_label"], row["kind_label"], row["active"]]
        )
    writer.writerow(["expiree", "", "", "", "", stats.expired])
    writer.writerow(["en_attente", "", "", "", "", stats.pending])
    return out.getvalue()


def stats_json(stats: Stats, today: dt.date) -> str:
    document = {
        "date": today.isoformat(),
        "active_total": stats.total(),
        "expired": stats.expired,
        "pending": stats.pending,
        "active": [
            {key: row[key] for key in ("commune_code", "commune", "category", "kind", "active")}
            for row in stats_rows(stats)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
