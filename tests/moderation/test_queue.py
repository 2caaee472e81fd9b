"""`entraide pending`, `approve` and `reject` on a real git repository: files moved, commits, records, mails."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import subprocess
from pathlib import Path

from sample_site import MODERATOR, commit_all, git, make_entry, run_entraide, write


def journal(site: Path) -> list[dict]:
    path = site / "reports" / "moderation.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def outbox(site: Path) -> list[email.message.EmailMessage]:
    folder = site / "outbox"
    if not folder.exists():
        return []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(folder.glob("*.eml"))]


def body(message: email.message.EmailMessage) -> str:
    return message.get_content()


def commits(site: Path) -> int:
    return int(git(site, "rev-list", "--count", "HEAD"))


def test_pending_lists_entries_with_their_flags(site, cli, keys):
    write(site / "submissions", make_entry(keys, 1, title="Je fais vos courses", description="Le même texte."))
    commit_all(site)
    write(
        site / "pending",
        make_entry(
            keys,
            2,
            commune="38229",
            kind="request",
            created="2026-11-20T09:30:00+01:00",
            title="Courses payées",
            description="Je paie 10 € de l'heure.",
        ),
    )
    write(
        site / "pending",
        make_entry(
            keys, 3, title="Je fais vos courses", description="Le même texte.", created="2026-11-10T08:00:00+01:00"
        ),
    )

    result = cli("pending")

    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "2 annonces en attente dans pending/ :"
    assert lines[2].split() == ["Id", "Reçue", "le", "Commune", "Type", "Catégorie", "Titre", "À", "vérifier"]
    assert lines[4].startswith("test-2026-0003  10/11/2026 08:00  Grenoble")  # the oldest first
    assert lines[4].endswith("doublon")
    assert "test-2026-0002  20/11/2026 09:30  Meylan    Demande d'aide  Courses" in lines[5]
    assert lines[5].endswith("paiement")
    assert "test-2026-0002 (à vérifier) description : mention de paiement" in result.out


def test_pending_links_an_entry_to_the_same_persons_published_one_with_the_key(site, cli, keys):
    write(site / "submissions", make_entry(keys, 1, email="odile@example.org"))
    commit_all(site)
    write(site / "pending", make_entry(keys, 2, email="Odile@example.org", created="2026-11-20T09:30:00+01:00"))

    result = cli("pending")

    assert result.code == 0
    assert result.out.splitlines()[4].endswith("doublon"), result.out
    assert "test-2026-0002 (à vérifier) contact : doublon possible : même contact (scellé)" in result.out
    assert "odile@example.org" not in result.out.lower()


def test_pending_says_when_there_is_nothing(site, cli):
    assert cli("pending").out == "Aucune annonce en attente dans pending/.\n"


def test_pending_shows_hostile_titles_as_inert_text(site, cli, keys):
    write(
        site / "pending",
        make_entry(
            keys,
            1,
            title="\x1b[31mROUGE\u202e<script>",
        ),
    )

    out = cli("pending").out

    assert "\x1b" not in out and "\u202e" not in out
    assert "?[31mROUGE?<script>" in out


def test_approve_moves_the_file_into_submissions_and_commits_it(site, cli, keys):
    entry = make_entry(keys, 1, commune="38229")
    pending = write(site / "pending", entry)
    before = commits(site)

    result = cli("approve", entry.id)

    assert result.code == 0, result.err
    target = site / "submissions" / "meylan" / f"{entry.id}.yaml"
    assert f"{entry.id} : publiée dans submissions/meylan/{entry.id}.yaml (commit " in result.out
    assert not pending.exists() and target.exists()
    assert commits(site) == before + 1
    changed = git(site, "show", "--name-status", "--format=", "HEAD").split()
    assert changed == ["A", f"submissions/meylan/{entry.id}.yaml"]
    message = git(site, "log", "-1", "--format=%B")
    assert message.startswith(f"Approve {entry.id} (Meylan, groceries, offer)")
    assert f"Moderated-by: {MODERATOR}" in message
    assert git(site, "status", "--porcelain", "--", "submissions") == ""
    assert journal(site)[-1] | {"at": "", "commit": ""} == {
        "at": "",
        "action": "approved",
        "id": entry.id,
        "commune": "38229",
        "moderator": MODERATOR,
        "commit": "",
    }


def test_approve_leaves_other_staged_changes_out_of_its_commit(site, cli, keys):
    entry = make_entry(keys, 1)
    write(site / "pending", entry)
    (site / "README.md").write_text("Entraide, modifié\n")
    git(site, "add", "README.md")

    assert cli("approve", entry.id).code == 0

    assert "README.md" not in git(site, "show", "--name-only", "--format=", "HEAD")
    assert git(site, "status", "--porcelain", "--", "README.md").startswith("M ")


def test_approve_several_and_notify_the_authors_by_mail(site, cli, keys):
    first, second = make_entry(keys, 1, email="lea@example.org"), make_entry(keys, 2, email="", phone="0612345678")
    write(site / "pending", first)
    write(site / "pending", second)

    result = cli("approve", first.id, second.id, "--notify", "--moderator", "Dominique Martin")

    assert result.code == 0, result.err
    assert "l'auteur a été prévenu par e-mail" in result.out
    assert "pas d'adresse e-mail (téléphone seulement)" in result.out
    mails = outbox(site)
    assert [m["To"] for m in mails] == ["lea@example.org"]
    assert mails[0]["Subject"] == f"Votre annonce « {first.title} » est acceptée"
    assert f"/annonces/{first.id}/" in body(mails[0])
    assert "jusqu'au 01/12/2026" in body(mails[0])
    log = git(site, "log", "--format=%B")
    assert log.count("Moderated-by: Dominique Martin") == 2
    for text in (log, (site / "reports" / "moderation.jsonl").read_text(), result.out):
        assert "lea@example.org" not in text and "0612345678" not in text and "06 12" not in text


def test_approve_refuses_an_entry_that_fails_the_checks(site, cli, keys):
    entry = make_entry(keys, 1, description="Appelez-moi au 06 12 34 56 78 le soir.")
    pending = write(site / "pending", entry)
    before = commits(site)

    result = cli("approve", entry.id)

    assert result.code == 1
    assert f"{entry.id} : rien n'a été fait : l'annonce {entry.id} ne passe pas la vérification" in result.err
    assert "contient un numéro de téléphone" in result.err
    assert "corrigez le fichier" in result.err
    assert pending.exists() and commits(site) == before
    assert not (site / "submissions" / "grenoble").exists()


def test_approve_never_overwrites_a_published_file(site, cli, keys):
    entry = make_entry(keys, 1)
    pending = write(site / "pending", entry)
    target = site / "submissions" / "grenoble" / f"{entry.id}.yaml"
    target.parent.mkdir()
    target.write_text("brouillon")

    result = cli("approve", entry.id)

    assert result.code == 1
    assert f"{target.relative_to(site)} existe déjà : l'annonce {entry.id} est déjà publiée" in result.err
    assert pending.exists() and target.read_text() == "brouillon"


def test_approve_refuses_when_the_target_has_uncommitted_changes(site, cli, keys):
    entry = make_entry(keys, 1)
    published = write(site / "submissions", entry)
    commit_all(site)
    published.unlink()  # deleted by hand, not committed
    pending = write(site / "pending", entry)

    result = cli("approve", entry.id)

    assert result.code == 1
    assert f"des modifications non enregistrées touchent submissions/grenoble/{entry.id}.yaml" in result.err
    assert "enregistrez-les (git commit) ou annulez-les" in result.err
    assert pending.exists() and not published.exists()


def test_approve_outside_a_git_repository_says_what_to_do(tmp_path, cli, keys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    entry = make_entry(keys, 1)
    pending = write(tmp_path / "pending", entry)
    (tmp_path / "submissions").mkdir()

    result = cli("approve", entry.id, "--moderator", "Dominique")

    assert result.code == 1
    assert "n'est pas dans un dépôt git" in result.err
    assert pending.exists()


def test_approve_during_a_merge_is_refused(site, cli, keys):
    entry = make_entry(keys, 1)
    pending = write(site / "pending", entry)
    (site / ".git" / "MERGE_HEAD").write_text(git(site, "rev-parse", "HEAD"))

    result = cli("approve", entry.id)

    assert result.code == 1
    assert "une fusion ou un rebase git est en cours" in result.err
    assert pending.exists()


def test_approve_unknown_id(site, cli):
    result = cli("approve", "inconnue-000001")

    assert result.code == 1
    assert "aucune annonce en attente n'a l'id inconnue-000001" in result.err


def test_reject_removes_the_file_records_the_reason_and_commits_nothing(site, cli, keys):
    entry = make_entry(keys, 1, email="lea@example.org")
    pending = write(site / "pending", entry)
    before = commits(site)

    result = cli("reject", entry.id, "--reason", "Demande de paiement", "--notify")

    assert result.code == 0, result.err
    assert f"{entry.id} : refusée et supprimée de pending/" in result.out
    assert not pending.exists() and commits(site) == before
    record = journal(site)[-1]
    assert (record["action"], record["id"], record["reason"], record["moderator"]) == (
        "rejected",
        entry.id,
        "Demande de paiement",
        MODERATOR,
    )
    [mail] = outbox(site)
    assert mail["To"] == "lea@example.org"
    assert "n'a pas été publiée" in mail["Subject"]
    assert "    Demande de paiement" in body(mail)


def test_reject_refuses_a_reason_holding_a_contact(site, cli, keys):
    entry = make_entry(keys, 1)
    pending = write(site / "pending", entry)

    result = cli("reject", entry.id, "--reason", "Rappeler le 06 12 34 56 78")

    assert result.code == 1
    assert "la raison du refus contient une adresse e-mail, un numéro de téléphone ou un lien" in result.err
    assert pending.exists() and journal(site) == []


def test_reject_an_unreadable_pending_file(site, cli):
    broken = site / "pending" / "grenoble" / "casse-000001.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("title: 'jamais fermé\n")

    result = cli("reject", "casse-000001", "--reason", "Fichier abîmé")

    assert result.code == 0, result.err
    assert not broken.exists()


def test_approve_and_reject_as_separate_processes(site, keys):
    kept, dropped = make_entry(keys, 1), make_entry(keys, 2)
    write(site / "pending", kept)
    write(site / "pending", dropped)

    approved = run_entraide("approve", kept.id, cwd=site)
    rejected = run_entraide("reject", dropped.id, "--reason", "Hors sujet", cwd=site)

    assert approved.code == 0 and rejected.code == 0, approved.err + rejected.err
    assert git(site, "log", "--format=%s").splitlines()[0] == f"Approve {kept.id} (Grenoble, groceries, offer)"
    assert sorted(p.name for p in (site / "submissions").rglob("*.yaml")) == [f"{kept.id}.yaml"]
    assert list((site / "pending").rglob("*.yaml")) == []


def test_pending_with_the_github_backend_points_to_the_pull_requests(site, cli, monkeypatch):
    monkeypatch.setenv("ENTRAIDE_BACKEND", "github")

    out = cli("pending").out

    assert "les annonces en attente sont les pull requests ouvertes du dépôt" in out


def test_approve_refuses_an_id_already_published_in_another_folder(site, cli, keys):
    entry = make_entry(keys, 1)
    write(site / "submissions", entry)
    commit_all(site)
    pending = write(site / "pending", dataclasses.replace(entry, commune="38229"))

    result = cli("approve", entry.id)

    assert result.code == 1
    assert f"submissions/grenoble/{entry.id}.yaml existe déjà" in result.err
    assert pending.exists() and not (site / "submissions" / "meylan").exists()


def test_remove_deletes_a_published_entry_commits_it_and_records_why(site, cli, keys):
    entry = make_entry(keys, 1)
    published = write(site / "submissions", entry)
    commit_all(site)

    result = cli("remove", entry.id, "--reason", "Signalement n° 12 : demande de paiement")

    assert result.code == 0, result.err
    assert f"{entry.id} : retirée du site, supprimée (commit " in result.out
    assert not published.exists()
    assert git(site, "show", "--name-status", "--format=", "HEAD").split() == [
        "D",
        f"submissions/grenoble/{entry.id}.yaml",
    ]
    message = git(site, "log", "-1", "--format=%B")
    assert message.startswith(f"Remove {entry.id} (Grenoble)\n\nReason: Signalement n° 12 : demande de paiement\n")
    assert f"Moderated-by: {MODERATOR}" in message
    assert git(site, "status", "--porcelain", "--", "submissions") == ""
    record = journal(site)[-1]
    assert (record["action"], record["id"], record["commune"], record["reason"]) == (
        "removed",
        entry.id,
        "38185",
        "Signalement n° 12 : demande de paiement",
    )


def test_remove_records_in_git_the_withdrawal_the_endpoint_already_made(site, cli, keys):
    """The local backend deletes a withdrawn entry outside git: `git commit` alone has nothing to commit."""
    from entraide.backends.local import LocalBackend
    from entraide.config import Config

    entry = make_entry(keys, 1)
    write(site / "submissions", entry)
    commit_all(site)
    LocalBackend(Config.from_environ({})).withdraw(entry)
    plain = subprocess.run(["git", "commit", "-m", "Retrait"], cwd=site, capture_output=True, text=True)
    assert plain.returncode != 0 and "no changes added to commit" in plain.stdout

    result = cli("remove", entry.id, "--reason", "Retrait demandé par l'auteur")

    assert result.code == 0, result.err
    assert "retirée du site, suppression faite par le formulaire enregistrée (commit" in result.out
    assert git(site, "show", "--name-status", "--format=", "HEAD").split() == [
        "D",
        f"submissions/grenoble/{entry.id}.yaml",
    ]
    assert git(site, "status", "--porcelain", "--", "submissions") == ""


def test_remove_an_entry_that_is_not_published(site, cli, keys):
    waiting = make_entry(keys, 2)
    write(site / "pending", waiting)
    before = commits(site)

    for entry_id in ("inconnue-000001", waiting.id):
        result = cli("remove", entry_id, "--reason", "Signalement")

        assert result.code == 1
        assert f"aucune annonce publiée n'a l'id {entry_id} dans submissions/" in result.err
        assert "une annonce en attente se refuse avec « entraide reject »" in result.err
    assert commits(site) == before and journal(site) == []


def test_remove_refuses_a_reason_holding_a_contact_and_touches_nothing(site, cli, keys):
    entry = make_entry(keys, 1)
    published = write(site / "submissions", entry)
    commit_all(site)

    result = cli("remove", entry.id, "--reason", "Rappeler au 06 12 34 56 78")

    assert result.code == 1
    assert "la raison du retrait contient une adresse e-mail, un numéro de téléphone ou un lien" in result.err
    assert published.exists() and journal(site) == []


def test_remove_during_a_merge_leaves_the_file_in_place(site, cli, keys):
    entry = make_entry(keys, 1)
    published = write(site / "submissions", entry)
    commit_all(site)
    (site / ".git" / "MERGE_HEAD").write_text(git(site, "rev-parse", "HEAD"))

    result = cli("remove", entry.id, "--reason", "Signalement")

    assert result.code == 1
    assert "une fusion ou un rebase git est en cours" in result.err
    assert published.exists()


def test_after_approving_the_command_says_how_the_site_gets_rebuilt(site, cli, keys, tmp_path_factory):
    first, second = make_entry(keys, 1), make_entry(keys, 2)
    write(site / "pending", first)
    write(site / "pending", second)

    alone = cli("approve", first.id)

    assert "Le site public n'est pas encore à jour : ces commits ne sont que dans ce dossier." in alone.out
    assert "Ce dépôt n'a pas de dépôt distant (git remote)" in alone.out and "« make publish »" in alone.out
    assert "git push" not in alone.out

    origin = tmp_path_factory.mktemp("origin")
    git(origin, "init", "--quiet", "--bare")
    git(site, "remote", "add", "origin", str(origin))
    workflow = site / ".github" / "workflows" / "publish.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: Publier le site\n")
    (site / "Makefile").write_text("html:\n")

    pushed = cli("approve", second.id)

    assert "Envoyez-les avec « git push » : sur GitHub, le workflow « Publier le site »" in pushed.out
    assert "(.github/workflows/publish.yml) reconstruit alors le site" in pushed.out
    assert "Pour vérifier sur ce poste que le site se construit : « make html »" in pushed.out


def test_a_failed_approval_says_nothing_about_rebuilding(site, cli):
    result = cli("approve", "inconnue-000001")

    assert "Le site public" not in result.out + result.err
