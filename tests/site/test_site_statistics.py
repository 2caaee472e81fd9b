"""/statistiques/: SVG charts, a table with the same numbers, a CSV, all equal to an independent count."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from entraide.communes import load_communes

from .site_fixtures import BUILD_DATE
from .site_html import read_page


def independent_count(entries) -> Counter:
    """Counted here from the fixture, without entraide.stats: (commune name, kind) → active entries."""
    names = {c.code: c.name for c in load_communes()}
    return Counter((names[e.commune], e.kind) for e in entries if e.expires >= BUILD_DATE)


def table_rows(table) -> dict[str, list[int]]:
    return {tr.find("th").text: [int(td.text) for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")}


def test_commune_table_equals_an_independent_count(site: Path, entries) -> None:
    page = read_page(site, "/statistiques/")
    rows = table_rows(page.find_all("table")[1])
    counted = independent_count(entries)
    assert len(rows) == 49
    for name, (requests, offers, total) in rows.items():
        assert (requests, offers) == (counted[name, "request"], counted[name, "offer"]), name
        assert total == requests + offers


def test_category_table_and_charts(site: Path, entries) -> None:
    page = read_page(site, "/statistiques/")
    rows = table_rows(page.find_all("table")[0])
    groceries = [e for e in entries if e.category == "groceries" and e.expires >= BUILD_DATE]
    expected = [sum(e.kind == "request" for e in groceries), sum(e.kind == "offer" for e in groceries)]
    assert rows["Courses"][:2] == expected
    charts = page.find_all("svg")
    assert len(charts) == 2 and all(svg.attrs["role"] == "img" for svg in charts)
    values = [int(t.text) for t in charts[0].find_all("text", class_="chart__value")]
    assert values == [n for row in rows.values() for n in row[:2]]
    assert page.find_all("script") == []


def test_csv_download_equals_the_count(site: Path, entries) -> None:
    page = read_page(site, "/statistiques/")
    link = next(a for a in page.find_all("a") if "download" in a.attrs)
    text = (site / link.attrs["href"].lstrip("/")).read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 49 * 4 * 2
    total = Counter()
    for row in rows:
        total[row["commune"], "request" if row["type"] == "Demande d'aide" else "offer"] += int(row["annonces_actives"])
    assert +total == independent_count(entries)
