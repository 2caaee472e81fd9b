"""`entraide stats`: its numbers equal a count made here, independently, from the fixture files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections import Counter

import yaml

from entraide.communes import load_communes
from tests.harness.repository import make_entry, write

TODAY = dt.date(2026, 12, 1)


def fixture(repo, keys) -> None:
    rng = random.Random(7)
    codes = ["38185", "38229", "38151", "38421", "38057"]
    for number in range(120):
        write(
            repo / "submissions",
            make_entry(
                keys,
                number,
                commune=rng.choice(codes),
                category=rng.choice(["groceries", "homework", "conversation", "other"]),
                kind=rng.choice(["offer", "request"]),
                expires=(TODAY + dt.timedelta(days=rng.randint(-10, 20))).isoformat(),
            ),
        )
    for number in range(120, 127):
        write(repo / "pending", make_entry(keys, number))


def count_by_hand(repo) -> tuple[Counter, int, int]:
    """Read every YAML file with PyYAML's own loader and count, without any of Entraide's code."""
    active, expired = Counter(), 0
    for path in (repo / "submissions").glob("*/*.yaml"):
        data = yaml.safe_load(path.read_text())
        if dt.date.fromisoformat(str(data["expires"])) >= TODAY:
            active[data["commune"], data["category"], data["kind"]] += 1
        else:
            expired += 1
    return active, expired, len(list((repo / "pending").glob("*/*.yaml")))


def test_json_numbers_equal_an_independent_count(repo, cli, keys):
    fixture(repo, keys)
    active, expired, pending = count_by_hand(repo)

    document = json.loads(cli("stats", "--format", "json", "--date", TODAY.isoformat()).out)

    assert document["expired"] == expired > 0
    assert document["pending"] == pending == 7
    assert document["active_total"] == sum(active.values())
    counted = {(r["commune_code"], r["category"], r["kind"]): r["active"] for r in document["active"]}
    assert {key: n for key, n in counted.items() if n} == dict(active)
    assert len(counted) == len(load_communes()) * 4 * 2


def test_csv_rows_equal_an_independent_count(repo, cli, keys):
    fixture(repo, keys)
    active, expired, pending = count_by_hand(repo)
    labels = {
        "groceries": "Courses",
        "homework": "Devoirs",
        "conversation": "Conversation à distance",
        "other": "Divers",
        "offer": "Offre d'aide",
        "request": "Demande d'aide",
    }

    rows = list(csv.DictReader(io.StringIO(cli("stats", "--format", "csv", "--date", TODAY.isoformat()).out)))

    for (commune, category, kind), number in active.items():
        [row] = [
            r
            for r in rows
            if r["statut"] == "active"
            and r["code_insee"] == commune
            and r["categorie"] == labels[category]
            and r["type"] == labels[kind]
        ]
        assert int(row["nombre"]) == number
    assert sum(int(r["nombre"]) for r in rows if r["statut"] == "active") == sum(active.values())
    assert [int(r["nombre"]) for r in rows if r["statut"] != "active"] == [expired, pending]


def test_table_shows_the_same_totals(repo, cli, keys):
    fixture(repo, keys)
    active, expired, pending = count_by_hand(repo)
    grenoble = sum(n for (commune, _, _), n in active.items() if commune == "38185")

    out = cli("stats", "--date", TODAY.isoformat()).out

    total, offers = sum(active.values()), sum(n for (_, _, kind), n in active.items() if kind == "offer")
    assert f"Annonces actives : {total} ({total - offers} demandes, {offers} offres)" in out
    assert f"Annonces expirées encore dans le dépôt : {expired}" in out
    assert f"Annonces en attente de modération : {pending}" in out
    [line] = [line for line in out.splitlines() if line.startswith("Grenoble ")]
    assert int(line.split()[-1]) == grenoble


def test_stats_refuses_invalid_files_and_says_to_run_check(repo, cli):
    (repo / "submissions" / "grenoble").mkdir()
    (repo / "submissions" / "grenoble" / "casse-000001.yaml").write_text("id: casse-000001\n")

    result = cli("stats")

    assert result.code == 1
    assert "corrigez-les d'abord (entraide check)" in result.err
    assert "casse-000001.yaml:1: kind: champ obligatoire manquant" in result.err
