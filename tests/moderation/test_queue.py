"""`entraide pending`, `approve` and `reject` on a real git repository: files moved, commits, records, mails."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import subprocess
from pathlib import Path

from tests.harness.repository import MODERATOR, commit_all, git, make_entry, run_entraide, write


def journal(repo: Path) -> list[dict]:
    path = repo / "reports" / "moderation.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def outbox(repo: Path) -> list[email.message.EmailMessage]:
    folder = repo / "outbox"
    if not folder.exists():
        return []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(folder.glob("*.eml"))]


def body(message: email.message.EmailMessage) -> str:
    return message.get_content()


def commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD"))


def test_pending_lists_entries_with_their_flags(repo, cli, keys):
    write(repo / "submissions", make_entry(keys, 1, title="Je fais vos courses", description="Le même texte."))
    commit_all(repo)
    write(
        repo / "pending",
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
        repo / "pending",
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


def test_pending_links_an_entry_to_the_same_persons_published_one_with_the_key(repo, cli, keys):
    write(repo / "submissions", make_entry(keys, 1, email="odile@example.org"))
    commit_all(repo)
    write(repo / "pending", make_entry(keys, 2, email="Odile@example.org", created="2026-11-20T09:30:00+01:00"))

    result = cli("pending")

    assert result.code == 0
    assert result.out.splitlines()[4].endswith("doublon"), result.out
    assert "test-2026-0002 (à vérifier) contact : doublon possible : même contact (scellé)" in result.out
    assert "odile@example.org" not in result.out.lower()


def test_pending_says_when_there_is_nothing(repo, cli):
    assert cli("pending").out == "Aucune annonce en attente dans pending/.\n"


def test_pending_shows_hostile_titles_as_inert_text(repo, cli, keys):
    write(
        repo / "pending",
        make_entry(
            keys,
            1,
            title="\x1b[31mROUGE\u202e<script>",
        ),
    )

    out = cli("pending").out

    assert "\x1b" not in out and "\u202e" not in out
    assert "?[31mROUGE?<script>" in out


def test_approve_moves_the_file_into_submissions_and_commits_it(repo, cli, keys):
    entry = make_entry(keys, 1, commune="38229")
    pending = write(repo / "pending", entry)
    before = commits(repo)

    result = cli("approve", entry.id)

    assert result.code == 0, result.err
    target = repo / "submissions" / "meylan" / f"{entry.id}.yaml"
    assert f"{entry.id} : publiée dans submissions/meylan/{entry.id}.yaml (commit " in result.out
    assert not pending.exists() and target.exists()
    assert commits(repo) == before + 1
    changed = git(repo, "show", "--name-status", "--format=", "HEAD").split()
    assert changed == ["A", f"submissions/meylan/{entry.id}.yaml"]
    message = git(repo, "log", "-1", "--format=%B")
    assert message.startswith(f"Approve {entry.id} (Meylan, groceries, offer)")
    assert f"Moderated-by: {MODERATOR}" in message
    assert git(repo, "status", "--porcelain", "--", "submissions") == ""
    assert journal(repo)[-1] | {"at": "", "commit": ""} == {
        "at": "",
        "action": "approved",
        "id": entry.id,
        "commune": "38229",
        "moderator": MODERATOR,
        "commit": "",
    }


def test_approve_leaves_other_staged_changes_out_of_its_commit(repo, cli, keys):
    entry = make_entry(keys, 1)
    write(repo / "pending", entry)
    (repo / "README.md").write_text("Entraide, modifié\n")
    git(repo, "add", "README.md")

    assert cli("approve", entry.id).code == 0

    assert "README.md" not in git(repo, "show", "--name-only", "--format=", "HEAD")
    assert git(repo, "status", "--porcelain", "--", "README.md").startswith("M ")


def test_approve_several_and_notify_the_authors_by_mail(repo, cli, keys):
    first, second = make_entry(keys, 1, email="lea@example.org"), make_entry(keys, 2, email="", phone="0612345678")
    write(repo / "pending", first)
    write(repo / "pending", second)

    result = cli("approve", first.id, second.id, "--notify", "--moderator", "Dominique Martin")

    assert result.code == 0, result.err
    assert "l'auteur a été prévenu par e-mail" in result.out
    assert "pas d'adresse e-mail (téléphone seulement)" in result.out
    mails = outbox(repo)
    assert [m["To"] for m in mails] == ["lea@example.org"]
    assert mails[0]["Subject"] == f"Votre annonce « {first.title} » est acceptée"
    assert f"/annonces/{first.id}/" in body(mails[0])
    assert "jusqu'au 01/12/2026" in body(mails[0])
    log = git(repo, "log", "--format=%B")
    assert log.count("Moderated-by: Dominique Martin") == 2
    for text in (log, (repo / "reports" / "moderation.jsonl").read_text(), result.out):
        assert "lea@example.org" not in text and "0612345678" not in text and "06 12" not in text


def test_approve_refuses_an_entry_that_fails_the_checks(repo, cli, keys):
    entry = make_entry(keys, 1, description="Appelez-moi au 06 12 34 56 78 le soir.")
    pending = write(repo / "pending", entry)
    before = commits(repo)

    result = cli("approve", entry.id)

    assert result.code == 1
    assert f"{entry.id} : rien n'a été fait : l'annonce {entry.id} ne passe pas la vérification" in result.err
    assert "contient un numéro de téléphone" in result.err
    assert "corrigez le fichier" in result.err
    assert pending.exists() and commits(repo) == before
    assert not (repo / "submissions" / "grenoble").exists()


def test_approve_never_overwrites_a_published_file(repo, cli, keys):
    entry = make_entry(keys, 1)
    pending = write(repo / "pending", entry)
    target = repo / "submissions" / "grenoble" / f"{entry.id}.yaml"
    target.parent.mkdir()
    target.write_text("brouillon")

    result = cli("approve", entry.id)

    assert result.code == 1
    assert f"{target.relative_to(repo)} existe déjà : l'annonce {entry.id} est déjà publiée" in result.err
    assert pending.exists() and target.read_text() == "brouillon"


def test_approve_refuses_when_the_target_has_uncommitted_changes(repo, cli, keys):
    entry = make_entry(keys, 1)
    published = write(repo / "submissions", entry)
    commit_all(repo)
    published.unlink()  # deleted by hand, not committed
    pending = write(repo / "pending", entry)

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


def test_approve_during_a_merge_is_refused(repo, cli, keys):
    entry = make_entry(keys, 1)
    pending = write(repo / "pending", entry)
    (repo / ".git" / "MERGE_HEAD").write_text(git(repo, "rev-parse", "HEAD"))

    result = cli("approve", entry.id)

    assert result.code == 1
    assert "une fusion ou un rebase git est en cours" in result.err
    assert pending.exists()


def test_approve_unknown_id(repo, cli):
    result = cli("approve", "inconnue-000001")

    assert result.code == 1
    assert "aucune annonce en attente n'a l'id inconnue-000001" in result.err


def test_reject_removes_the_file_records_the_reason_and_commits_nothing(repo, cli, keys):
    entry = make_entry(keys, 1, email="lea@example.org")
    pending = write(repo / "pending", entry)
    before = commits(repo)

    result = cli("reject", entry.id, "--reason", "Demande de paiement", "--notify")

    assert result.code == 0, result.err
    assert f"{entry.id} : refusée et supprimée de pending/" in result.out
    assert not pending.exists() and commits(repo) == before
    record = journal(repo)[-1]
    assert (record["action"], record["id"], record["reason"], record["moderator"]) == (
        "rejected",
        entry.id,
        "Demande de paiement",
        MODERATOR,
    )
    [mail] = outbox(repo)
    assert mail["To"] == "lea@example.org"
    assert "n'a pas été publiée" in mail["Subject"]
    assert "    Demande de paiement" in body(mail)


def test_reject_refuses_a_reason_holding_a_contact(repo, cli, keys):
    entry = make_entry(keys, 1)
    pending = write(repo / "pending", entry)

    result = cli("reject", entry.id, "--reason", "Rappeler le 06 12 34 56 78")

    assert result.code == 1
    assert "la raison du refus contient une adresse e-mail, un numéro de téléphone ou un lien" in result.err
    assert pending.exists() and journal(repo) == []


def test_reject_an_unreadable_pending_file(repo, cli):
    broken = repo / "pending" / "grenoble" / "casse-000001.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("title: 'jamais fermé\n")

    result = cli("reject", "casse-000001", "--reason", "Fichier abîmé")

    assert result.code == 0, result.err
    assert not broken.exists()


def test_approve_and_reject_as_separate_processes(repo, keys):
    kept, dropped = make_entry(keys, 1), make_entry(keys, 2)
    write(repo / "pending", kept)
    write(repo / "pending", dropped)

    approved = run_entraide("approve", kept.id, cwd=repo)
    rejected = run_entraide("reject", dropped.id, "--reason", "Hors sujet", cwd=repo)

    assert approved.code == 0 and rejected.code == 0, approved.err + rejected.err
    assert git(repo, "log", "--format=%s").splitlines()[0] == f"Approve {kept.id} (Grenoble, groceries, offer)"
    assert sorted(p.name for p in (repo / "submissions").rglob("*.yaml")) == [f"{kept.id}.yaml"]
    assert list((repo / "pending").rglob("*.yaml")) == []


def test_pending_with_the_github_backend_points_to_the_pull_requests(repo, cli, monkeypatch):
    monkeypatch.setenv("ENTRAIDE_BACKEND", "github")

    out = cli("pending").out

    assert "les annonces en attente sont les pull requests ouvertes du dépôt" in out


def test_approve_refuses_an_id_already_published_in_another_folder(repo, cli, keys):
    entry = make_entry(keys, 1)
    write(repo / "submissions", entry)
    commit_all(repo)
    pending = write(repo / "pending", dataclasses.replace(entry, commune="38229"))

    result = cli("approve", entry.id)

    assert result.code == 1
    assert f"submissions/grenoble/{entry.id}.yaml existe déjà" in result.err
    assert pending.exists() and not (repo / "submissions" / "meylan").exists()


def test_remove_deletes_a_published_entry_commits_it_and_records_why(repo, cli, keys):
    entry = make_entry(keys, 1)
    published = write(repo / "submissions", entry)
    commit_all(repo)

    result = cli("remove", entry.id, "--reason", "Signalement n° 12 : demande de paiement")

    assert result.code == 0, result.err
    assert f"{entry.id} : retirée du site, supprimée (commit " in result.out
    assert not published.exists()
    assert git(repo, "show", "--name-status", "--format=", "HEAD").split() == [
        "D",
        f"submissions/grenoble/{entry.id}.yaml",
    ]
    message = git(repo, "log", "-1", "--format=%B")
    assert message.startswith(f"Remove {entry.id} (Grenoble)\n\nReason: Signalement n° 12 : demande de paiement\n")
    assert f"Moderated-by: {MODERATOR}" in message
    assert git(repo, "status", "--porcelain", "--", "submissions") == ""
    record = journal(repo)[-1]
    assert (record["action"], record["id"], record["commune"], record["reason"]) == (
        "removed",
        entry.id,
        "38185",
        "Signalement n° 12 : demande de paiement",
    )


def test_remove_records_in_git_the_withdrawal_the_endpoint_already_made(repo, cli, keys):
    """The local backend deletes a withdrawn entry outside git: `git commit` alone has nothing to commit."""
    from entraide.backends.local import LocalBackend
    from entraide.config import Config

    entry = make_entry(keys, 1)
    write(repo / "submissions", entry)
    commit_all(repo)
    LocalBackend(Config.from_environ({})).withdraw(entry)
    plain = subprocess.run(["git", "commit", "-m", "Retrait"], cwd=repo, capture_output=True, text=True)
    assert plain.returncode != 0 and "no changes added to commit" in plain.stdout

    result = cli("remove", entry.id, "--reason", "Retrait demandé par l'auteur")

    assert result.code == 0, result.err
    assert "retirée du site, suppression faite par le formulaire enregistrée (commit" in result.out
    assert git(repo, "show", "--name-status", "--format=", "HEAD").split() == [
        "D",
        f"submissions/grenoble/{entry.id}.yaml",
    ]
    assert git(repo, "status", "--porcelain", "--", "submissions") == ""


def test_remove_an_entry_that_is_not_published(repo, cli, keys):
    waiting = make_entry(keys, 2)
    write(repo / "pending", waiting)
    before = commits(repo)

    for entry_id in ("inconnue-000001", waiting.id):
        result = cli("remove", entry_id, "--reason", "Signalement")

        assert result.code == 1
        assert f"aucune annonce publiée n'a l'id {entry_id} dans submissions/" in result.err
        assert "une annonce en attente se refuse avec « entraide reject »" in result.err
    assert commits(repo) == before and journal(repo) == []


def test_remove_refuses_a_reason_holding_a_contact_and_touches_nothing(repo, cli, keys):
    entry = make_entry(keys, 1)
    published = write(repo / "submissions", entry)
    commit_all(repo)

    result = cli("remove", entry.id, "--reason", "Rappeler au 06 12 34 56 78")

    assert result.code == 1
    assert "la raison du retrait contient une adresse e-mail, un numéro de téléphone ou un lien" in result.err
    assert published.exists() and journal(repo) == []


def test_remove_during_a_merge_leaves_the_file_in_place(repo, cli, keys):
    entry = make_entry(keys, 1)
    published = write(repo / "submissions", entry)
    commit_all(repo)
    (repo / ".git" / "MERGE_HEAD").write_text(git(repo, "rev-parse", "HEAD"))

    result = cli("remove", entry.id, "--reason", "Signalement")

    assert result.code == 1
    assert "une fusion ou un rebase git est en cours" in result.err
    assert published.exists()


def test_after_approving_the_command_says_how_the_site_gets_rebuilt(repo, cli, keys, tmp_path_factory):
    first, second = make_entry(keys, 1), make_entry(keys, 2)
    write(repo / "pending", first)
    write(repo / "pending", second)

    alone = cli("approve", first.id)

    assert "Le site public n'est pas encore à jour : ces commits ne sont que dans ce dossier." in alone.out
    assert "Ce dépôt n'a pas de dépôt distant (git remote)" in alone.out and "« make publish »" in alone.out
    assert "git push" not in alone.out

    origin = tmp_path_factory.mktemp("origin")
    git(origin, "init", "--quiet", "--bare")
    git(repo, "remote", "add", "origin", str(origin))
    workflow = repo / ".github" / "workflows" / "publish.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: Publier le site\n")
    (repo / "Makefile").write_text("html:\n")

    pushed = cli("approve", second.id)

    assert "Envoyez-les avec « git push » : sur GitHub, le workflow « Publier le site »" in pushed.out
    assert "(.github/workflows/publish.yml) reconstruit alors le site" in pushed.out
    assert "Pour vérifier sur ce poste que le site se construit : « make html »" in pushed.out


def test_a_failed_approval_says_nothing_about_rebuilding(repo, cli):
    result = cli("approve", "inconnue-000001")

    assert "Le site public" not in result.out + result.err
