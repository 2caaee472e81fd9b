"""`entraide new`: an agent files an entry for a resident by phone, typing answers on standard input."""

from __future__ import annotations

import email
import email.policy
import json
import re

import yaml

from entraide.moderation.checks import check_paths
from entraide.sealing import Contact, KeyPair, withdraw_key_matches
from tests.harness.repository import git, run_entraide


def answers(*lines: str) -> str:
    return "\n".join(lines) + "\n"


ODILE = answers(
    "1",  # Demande d'aide (requests come first)
    "1",  # Courses
    "Saint-Martin",  # three communes match…
    "2",  # …Saint-Martin-d'Hères is the second
    "Courses pour une voisine âgée",
    "Je ne peux plus porter de charges.",
    "Une fois par semaine, je rembourse le ticket.",
    "",  # end of the description
    "Odile",
    "Le matin",
    "",  # no address
    "odile@example.org",
    "06 12 34 56 78",
    "o",  # consent
    "o",  # send
)


def pending_files(repo):
    return sorted((repo / "pending").rglob("*.yaml")) if (repo / "pending").exists() else []


def test_new_writes_a_valid_pending_entry_with_a_sealed_contact(repo, cli, keys: KeyPair):
    result = cli("new", "--agent", "Marie Agent", input=ODILE)

    assert result.code == 0, result.out + result.err
    [path] = pending_files(repo)
    assert path.parent.name == "saint-martin-d-heres"
    assert check_paths([path]).findings == []
    text = path.read_text()
    assert "odile@example.org" not in text and "06 12" not in text
    data = yaml.safe_load(text)
    assert (data["kind"], data["category"], data["commune"], data["name"]) == ("request", "groceries", "38421", "Odile")
    assert data["description"] == "Je ne peux plus porter de charges.\nUne fois par semaine, je rembourse le ticket."
    assert keys.unseal(data["contact"]) == Contact("odile@example.org", "06 12 34 56 78")
    key = re.search(r"Clé de retrait à lire à la personne \(elle ne sera plus affichée\) : (\S+)", result.out)[1]
    assert withdraw_key_matches(key, data["withdraw_key_hash"])
    assert (
        f"Annonce {data['id']} transmise aux modérateurs : pending/saint-martin-d-heres/{data['id']}.yaml" in result.out
    )
    [mail] = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in (repo / "outbox").glob("*.eml")
    ]
    assert mail["To"] == "odile@example.org" and key in mail.get_content()
    [record] = [json.loads(line) for line in (repo / "reports" / "moderation.jsonl").read_text().splitlines()]
    assert {k: record[k] for k in ("action", "id", "agent", "channel", "consent")} == {
        "action": "filed",
        "id": data["id"],
        "agent": "Marie Agent",
        "channel": "phone",
        "consent": "oral",
    }
    assert "odile@example.org" not in json.dumps(record)


def test_new_then_approve_records_the_agent_and_the_consent_in_the_commit(repo, cli):
    cli("new", "--agent", "Marie Agent", input=ODILE)
    [path] = pending_files(repo)

    assert cli("approve", path.stem).code == 0

    assert "Filed-by: Marie Agent (phone, consent given by the resident)" in git(repo, "log", "-1", "--format=%B")


def test_new_sends_the_agent_back_to_each_question_with_a_problem(repo, cli):
    script = answers(
        "3",
        "2",  # not a number in the list, then Offre d'aide
        "4",  # Divers
        "Lyon",
        "38240",  # not in the Métropole, then Meylan's postal code
        "PC",  # too short
        "Appelez-moi au 06 12 34 56 78 pour le dépannage.",
        "",  # a phone number in public text
        "Paul",
        "",
        "",
        "",
        "",  # no contact at all
        "peut-être",
        "o",  # consent
        "Dépannage informatique",  # title again
        "Je dépanne vos ordinateurs à distance.",
        "",  # description again
        "paul@example.org",  # the contact asked again
        "o",
    )

    result = cli("new", "--agent", "Marie Agent", input=script)

    assert result.code == 0, result.out + result.err
    assert "Tapez un numéro entre 1 et 2." in result.out
    assert "Aucune commune de la Métropole ne correspond" in result.out
    assert "Répondez o (oui) ou n (non)." in result.out
    assert "  - titre : trop court : au moins 3 caractères" in result.out
    assert "  - description : contient un numéro de téléphone" in result.out
    assert "  - e-mail : indiquez une adresse e-mail ou un numéro de téléphone" in result.out
    [path] = pending_files(repo)
    data = yaml.safe_load(path.read_text())
    assert (data["title"], data["commune"]) == ("Dépannage informatique", "38229")


def test_new_asks_again_for_an_address_made_of_an_encoded_word(repo, cli, keys: KeyPair):
    encoded = "=?utf-8?q?odile=40example.org=2C_x=40y.fr?=@example.org"  # the mail header would name two people
    script = ODILE.replace("odile@example.org\n06 12 34 56 78\no\no\n", f"{encoded}\n06 12 34 56 78\no\n")
    script += answers("odile@example.org", "o")

    result = cli("new", "--agent", "Marie Agent", input=script)

    assert result.code == 0, result.out + result.err
    assert "  - e-mail : cette adresse e-mail contient « =? »" in result.out
    [path] = pending_files(repo)
    assert keys.unseal(yaml.safe_load(path.read_text())["contact"]).email == "odile@example.org"


def test_new_without_consent_writes_nothing(repo, cli):
    script = ODILE.replace("06 12 34 56 78\no\no\n", "06 12 34 56 78\nn\n")

    result = cli("new", "--agent", "Marie Agent", input=script)

    assert result.code == 1
    assert "sans l'accord de la personne, l'annonce ne peut pas être déposée" in result.err
    assert pending_files(repo) == []
    assert not (repo / "reports").exists()


def test_new_interrupted_writes_nothing(repo):
    result = run_entraide("new", "--agent", "Marie Agent", input=answers("1", "1", "Meylan"), cwd=repo)

    assert result.code == 1
    assert "saisie interrompue : rien n'a été enregistré" in result.err
    assert pending_files(repo) == []


def test_new_asks_for_the_agent_name_and_flags_payment(repo, cli):
    script = answers("Jean Agent", *ODILE.replace("je rembourse le ticket", "je paie 12 € de l'heure").splitlines())

    result = cli("new", "--channel", "desk", input=script)

    assert result.code == 0, result.err
    assert "À vérifier par les modérateurs : Mention de paiement" in result.out
    record = json.loads((repo / "reports" / "moderation.jsonl").read_text())
    assert (record["agent"], record["channel"]) == ("Jean Agent", "desk")


def test_filing_the_same_entry_twice_records_it_once_and_never_shows_its_key_again(repo, cli):
    first = cli("new", "--agent", "Marie Agent", input=ODILE)
    again = cli("new", "--agent", "Marie Agent", input=ODILE)

    assert first.code == 0 and again.code != 0
    [path] = pending_files(repo)
    assert "déjà été déposée" in again.err and yaml.safe_load(path.read_text())["id"] in again.err
    key = re.search(r"Clé de retrait à lire à la personne \(elle ne sera plus affichée\) : (\S+)", first.out)[1]
    assert key not in again.out + again.err


def test_without_the_instance_key_nothing_is_asked_and_nothing_is_sealed(repo, cli, monkeypatch):
    """A contact sealed with a key made up on the spot could never be revealed: refuse before the first question."""
    monkeypatch.delenv("ENTRAIDE_PRIVATE_KEY")

    result = cli("new", "--agent", "Marie Agent", input=ODILE)

    assert result.code != 0 and pending_files(repo) == []
    assert "ENTRAIDE_PRIVATE_KEY n'est pas définie" in result.err
    assert "Type de l'annonce" not in result.out and "Votre nom" not in result.out
    assert not (repo / ".dev-keys").exists()
    assert "DEVELOPMENT" not in result.out + result.err


def test_on_the_development_set_up_the_agent_is_warned_in_french(repo, cli, monkeypatch):
    monkeypatch.delenv("ENTRAIDE_PRIVATE_KEY")
    (repo / ".dev-keys").mkdir()
    (repo / ".dev-keys" / "private.key").write_text(KeyPair.generate().private + "\n")  # what make serve leaves

    result = cli("new", "--agent", "Marie Agent", input=ODILE)

    assert result.code == 0, result.err
    assert "clé de développement" in result.err and "DEVELOPMENT" not in result.out + result.err
    assert len(pending_files(repo)) == 1


AGENT_LINE = "déposée par un agent : Marie Agent, par téléphone ; accord de la personne recueilli à l'oral"


def test_pending_and_check_show_who_filed_the_entry_and_the_oral_consent(repo, cli):
    cli("new", "--agent", "Marie Agent", input=ODILE)
    [path] = pending_files(repo)

    listed = cli("pending")
    checked = cli("check", "pending")

    assert listed.out.splitlines()[4].endswith("  agent")
    assert f"  {path.stem} (à vérifier) : {AGENT_LINE}\n" in listed.out
    assert checked.code == 0
    assert f"pending/saint-martin-d-heres/{path.stem}.yaml:1: fichier: avertissement : {AGENT_LINE}\n" in checked.out
    assert checked.out.endswith("1 fichier vérifié : 0 erreur, 1 avertissement.\n")


def test_an_entry_filed_at_a_town_hall_desk_says_so(repo, cli):
    cli("new", "--agent", "Jean Agent", "--channel", "desk", input=ODILE)

    assert "déposée par un agent : Jean Agent, par accueil en mairie ; accord" in cli("pending").out


def test_once_approved_an_entry_filed_by_an_agent_is_checked_like_any_other(repo, cli):
    cli("new", "--agent", "Marie Agent", input=ODILE)
    [path] = pending_files(repo)
    cli("approve", path.stem)

    checked = cli("check")

    assert "déposée par un agent" not in checked.out
    assert checked.out == "1 fichier vérifié : 0 erreur, 0 avertissement.\n"
