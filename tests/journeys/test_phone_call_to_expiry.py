"""A whole moderation journey on one repository: filed by phone, listed, approved, counted, expired."""

from __future__ import annotations

import datetime as dt
import json

import yaml

from tests.harness.repository import git

PHONE_CALL = (
    "\n".join(
        [
            "1",
            "3",
            "Échirolles",
            "Un coup de fil le soir",
            "Je vis seule et j'aimerais parler un peu.",
            "",
            "Josiane",
            "Le soir",
            "",
            "",
            "04 76 00 11 22",
            "o",
            "o",
        ]
    )
    + "\n"
)


def test_from_a_phone_call_to_expiry(repo, cli):
    filed = cli("new", "--agent", "Marie Agent", input=PHONE_CALL)
    assert filed.code == 0, filed.err
    [path] = (repo / "pending").rglob("*.yaml")
    entry_id, expires = path.stem, dt.date.fromisoformat(yaml.safe_load(path.read_text())["expires"])

    listed = cli("pending")
    assert entry_id in listed.out and "Échirolles" in listed.out and "Demande d'aide" in listed.out

    assert cli("approve", entry_id).code == 0
    assert cli("check").code == 0
    assert json.loads(cli("stats", "--format", "json").out)["active_total"] == 1

    day_after = (expires + dt.timedelta(days=1)).isoformat()
    assert cli("expire", "--date", expires.isoformat()).out.startswith("Aucune annonce expirée")
    assert cli("expire", "--date", day_after).code == 0
    assert list((repo / "submissions").rglob("*.yaml")) == []
    assert json.loads(cli("stats", "--format", "json", "--date", day_after).out)["active_total"] == 0

    subjects = git(repo, "log", "--format=%s").splitlines()
    assert subjects[:2] == [
        f"Expire 1 entry past their date ({day_after})",
        f"Approve {entry_id} (Échirolles, conversation, request)",
    ]
    actions = [json.loads(line)["action"] for line in (repo / "reports" / "moderation.jsonl").read_text().splitlines()]
    assert actions == ["filed", "approved"]
    everything = git(repo, "log", "-p", "--all") + (repo / "reports" / "moderation.jsonl").read_text()
    assert "04 76" not in everything and "0476" not in everything
