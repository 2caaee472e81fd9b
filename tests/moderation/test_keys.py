"""`entraide keygen` and `entraide reveal`: a key pair that seals and opens, and a logged personal-data access."""

from __future__ import annotations

import json

from entraide.sealing import Contact, KeyPair
from tests.harness.repository import MODERATOR, make_entry, run_entraide, write


def test_keygen_prints_a_pair_that_seals_and_opens(cli):
    result = cli("keygen")

    lines = result.out.splitlines()
    private = lines[0].removeprefix("ENTRAIDE_PRIVATE_KEY=")
    public = lines[1].removeprefix("# clé publique (peut être partagée) : ")
    keys = KeyPair.from_private(private)
    assert keys.public == public
    assert keys.unseal(keys.seal(Contact("lea@example.org", "06 12 34 56 78"))) == Contact(
        "lea@example.org", "06 12 34 56 78"
    )
    assert "Gardez la clé privée secrète" in result.err
    assert cli("keygen").out != result.out


def test_reveal_round_trip_with_a_generated_key(repo, monkeypatch):
    generated = run_entraide("keygen", cwd=repo).out.splitlines()[0].removeprefix("ENTRAIDE_PRIVATE_KEY=")
    monkeypatch.setenv("ENTRAIDE_PRIVATE_KEY", generated)
    keys = KeyPair.from_private(generated)
    entry = make_entry(keys, 1, email="lea@example.org", phone="06 12 34 56 78")
    path = write(repo / "submissions", entry)
    assert "lea@example.org" not in path.read_text()

    result = run_entraide("reveal", entry.id, "--reason", "Signalement n° 12", cwd=repo)

    assert result.code == 0, result.err
    assert result.out == "E-mail : lea@example.org\nTéléphone : 06 12 34 56 78\n"
    assert "ATTENTION : accès à des données personnelles" in result.err
    [record] = [json.loads(line) for line in (repo / "reports" / "moderation.jsonl").read_text().splitlines()]
    assert {k: record[k] for k in ("action", "id", "moderator", "reason")} == {
        "action": "revealed",
        "id": entry.id,
        "moderator": MODERATOR,
        "reason": "Signalement n° 12",
    }
    assert "lea@example.org" not in json.dumps(record) and "06 12" not in json.dumps(record)


def test_reveal_finds_pending_entries_too(repo, cli, keys):
    entry = make_entry(keys, 1, email="", phone="0476000000")
    write(repo / "pending", entry)

    result = cli("reveal", entry.id, "--reason", "Vérification", "--moderator", "Dominique")

    assert result.out == "E-mail : (aucun)\nTéléphone : 0476000000\n"


def test_reveal_with_another_key_says_which_key_to_use(repo, cli, keys, monkeypatch):
    entry = make_entry(keys, 1)
    write(repo / "submissions", entry)
    monkeypatch.setenv("ENTRAIDE_PRIVATE_KEY", KeyPair.generate().private)

    result = cli("reveal", entry.id, "--reason", "Signalement")

    assert result.code == 1
    assert "scellé avec une autre clé : utilisez la clé privée de l'instance" in result.err
    assert result.out == ""


def test_reveal_without_a_key_says_where_to_get_one(repo, cli, keys, monkeypatch):
    entry = make_entry(keys, 1)
    write(repo / "submissions", entry)
    monkeypatch.delenv("ENTRAIDE_PRIVATE_KEY")

    result = cli("reveal", entry.id, "--reason", "Signalement")

    assert result.code == 1
    assert "ENTRAIDE_PRIVATE_KEY n'est pas définie" in result.err
    assert not (repo / "reports" / "moderation.jsonl").exists()


def test_reveal_refuses_a_reason_holding_a_contact_and_logs_nothing(repo, cli, keys):
    entry = make_entry(keys, 1)
    write(repo / "submissions", entry)

    result = cli("reveal", entry.id, "--reason", "écrire à x@example.org")

    assert result.code == 1
    assert "le motif contient une adresse e-mail" in result.err
    assert result.out == ""
    assert not (repo / "reports" / "moderation.jsonl").exists()
