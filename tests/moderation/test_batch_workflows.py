"""Moderating a batch from GitHub's web UI: the check workflow's step and the notify workflow's step, run by bash
in a real git repository as GitHub's runner does, against a batch the publisher opened on the fake GitHub,
with mails through a real SMTP server and the moderation journal read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entraide.backends.github import Batching, GitHubBackend
from entraide.config import Config
from entraide.forge import Limits
from entraide.intake import Intake
from entraide.publisher import publish
from entraide.store import open_store, upgrade
from tests.forge.fake_github import FakeGitHub, metropole_repository
from tests.harness.network import LOOPBACK
from tests.intake.residents import FORM as RESIDENT

from .test_workflows import install_entraide, load, run_step, steps

TOKEN = "ghp_batch-test-token"
CHECK_STEP = "Vérifier les refus du lot"
NOTIFY_STEP = "Prévenir les auteurs"
FORM = {key: value for key, value in RESIDENT.items() if key != "phone"}  # each author gives an email


@pytest.fixture
def fake_github():
    with metropole_repository(TOKEN, "the commands") as fake:
        yield fake


def open_batch(fake: FakeGitHub, keys, folder: Path, count: int) -> tuple:
    """`count` residents of Meylan, each with an e-mail address, filed and handed over as one batch."""
    store = open_store(f"sqlite:///{folder}/entraide.db")
    upgrade(store)
    intake = Intake(Config.from_environ({"ENTRAIDE_GEOCODER_URL": ""}), keys, store, secret=b"not a real secret")
    entries = [
        intake.file({**FORM, "title": f"Courses du samedi n° {n}", "email": f"auteur{n}@example.org"}).entry
        for n in range(count)
    ]
    backend = GitHubBackend(
        "metropole/entraide",
        TOKEN,
        api_url=fake.url,
        limits=Limits(write_interval_seconds=0),
        batching=Batching(threshold=0, size=50),
    )
    publish(store, backend)
    [pull] = fake.pulls
    return pull, entries


def step_env(fake: FakeGitHub, pull, mailbox, tmp_path: Path) -> dict[str, str]:
    """What the workflows' `env:` give the steps, with the fake GitHub and the test's SMTP server."""
    return {
        "GITHUB_REPOSITORY": "metropole/entraide",
        "GITHUB_API_URL": fake.url,
        "GITHUB_TOKEN": TOKEN,
        "ENTRAIDE_PULL_REQUEST": str(pull.number),
        "ENTRAIDE_MODERATOR": "camille-moderatrice",
        "ENTRAIDE_REPORTS_PATH": str(tmp_path / "journal"),
        "ENTRAIDE_SITE_URL": "https://entraide.example.org",
        "ENTRAIDE_MAIL_FROM": "",  # a secret left unset: the default sender
        "ENTRAIDE_SMTP_HOST": LOOPBACK,
        "ENTRAIDE_SMTP_PORT": str(mailbox.port),
        "ENTRAIDE_SMTP_USER": "",
        "ENTRAIDE_SMTP_PASSWORD": "",
    }


def refuse_in_the_web_ui(fake: FakeGitHub, pull, entry) -> None:
    """« … » then « Delete file » on the Files changed tab: one commit on the batch's branch."""
    fake.commit_on(
        pull.head, {f"submissions/meylan/{entry.id}.yaml": None}, f"Delete submissions/meylan/{entry.id}.yaml"
    )


def journal(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "journal" / "moderation.jsonl").read_text().splitlines()]


def test_two_refused_with_reasons_then_merged_sends_48_acceptances_2_refusals_and_writes_50_journal_lines(
    repo, keys, fake_github, mailbox, tmp_path
):
    pull, entries = open_batch(fake_github, keys, tmp_path, 50)
    install_entraide(repo)
    env = step_env(fake_github, pull, mailbox, tmp_path)
    refused = {entries[7].id: "Le texte demande un paiement.", entries[30].id: "Annonce en double."}
    refuse_in_the_web_ui(fake_github, pull, entries[7])
    refuse_in_the_web_ui(fake_github, pull, entries[30])
    fake_github.review(pull, f"Refus {entries[7].id} : Le texte demande un paiement.")
    pull.comments.append(f"Merci !\nRefus {entries[30].id} : Annonce en double.")

    checked = run_step("check.yml", CHECK_STEP, repo, env)
    fake_github.merge(pull)
    notified = run_step("notify.yml", NOTIFY_STEP, repo, env)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"Lot n° {pull.number} : 48 annonces gardées, 2 refusées, 0 problème." in checked.stdout
    assert notified.returncode == 0, notified.stdout + notified.stderr
    mails = mailbox.wait(50)
    assert len(mails) == 50
    subjects = {mail["To"]: mail["Subject"] for mail in mails}
    for n, entry in enumerate(entries):
        if entry.id in refused:
            assert subjects[f"auteur{n}@example.org"] == f"Votre annonce « {entry.title} » n'a pas été publiée"
            [mail] = [m for m in mails if m["To"] == f"auteur{n}@example.org"]
            assert refused[entry.id] in mail.get_body(("plain",)).get_content()
        else:
            assert subjects[f"auteur{n}@example.org"] == f"Votre annonce « {entry.title} » est acceptée"
    lines = journal(tmp_path)
    assert len(lines) == 50
    assert sorted((line["action"], line["id"]) for line in lines) == sorted(
        ("rejected" if e.id in refused else "approved", e.id) for e in entries
    )
    assert {line["reason"] for line in lines if line["action"] == "rejected"} == set(refused.values())
    assert {line["moderator"] for line in lines} == {"camille-moderatrice"}
    assert {line["pull_request"] for line in lines} == {pull.number}
    assert "@example.org" not in notified.stdout + (tmp_path / "journal" / "moderation.jsonl").read_text()


def test_the_check_step_flags_a_deleted_file_without_reason_and_a_reason_for_a_kept_file(
    repo, keys, fake_github, mailbox, tmp_path
):
    pull, entries = open_batch(fake_github, keys, tmp_path, 5)
    install_entraide(repo)
    refuse_in_the_web_ui(fake_github, pull, entries[1])
    fake_github.review(pull, f"Refus {entries[3].id} : hors sujet", path=f"submissions/meylan/{entries[3].id}.yaml")

    checked = run_step("check.yml", CHECK_STEP, repo, step_env(fake_github, pull, mailbox, tmp_path))

    assert checked.returncode == 1
    assert checked.stdout.splitlines()[:2] == [
        f"::error title=Lot %3A {entries[1].id}::son fichier a été supprimé du lot sans motif : écrivez dans une "
        f"revue « Refus {entries[1].id} : <motif> » (le motif est envoyé à l'auteur)",
        f"::error title=Lot %3A {entries[3].id}::un motif de refus est écrit, mais son fichier est toujours dans le "
        "lot : supprimez le fichier pour la refuser, ou retirez le motif pour la garder",
    ]
    assert "4 annonces gardées, 1 refusée, 2 problèmes." in checked.stdout

    fake_github.review(pull, f"Refus {entries[1].id} : coordonnées dans le texte\nRefus {entries[3].id} : plus tard")
    refuse_in_the_web_ui(fake_github, pull, entries[3])
    again = run_step("check.yml", CHECK_STEP, repo, step_env(fake_github, pull, mailbox, tmp_path))

    assert again.returncode == 0, again.stdout
    assert "3 annonces gardées, 2 refusées, 0 problème." in again.stdout


def test_closing_a_batch_refuses_every_entry_with_the_closing_comment(repo, keys, fake_github, mailbox, tmp_path):
    pull, _ = open_batch(fake_github, keys, tmp_path, 3)
    install_entraide(repo)
    fake_github.close(pull, comment="Ces annonces proposent un service payant.")

    notified = run_step("notify.yml", NOTIFY_STEP, repo, step_env(fake_github, pull, mailbox, tmp_path))

    assert notified.returncode == 0, notified.stderr
    mails = mailbox.wait(3)
    assert len(mails) == 3 and all("n'a pas été publiée" in mail["Subject"] for mail in mails)
    assert all("Ces annonces proposent un service payant." in m.get_body(("plain",)).get_content() for m in mails)
    assert [line["action"] for line in journal(tmp_path)] == ["rejected"] * 3


def test_a_withdrawn_entry_gets_no_mail_and_a_withdrawal_line(repo, keys, fake_github, mailbox, tmp_path):
    pull, entries = open_batch(fake_github, keys, tmp_path, 3)
    install_entraide(repo)
    backend = GitHubBackend("metropole/entraide", TOKEN, api_url=fake_github.url)
    backend.withdraw(entries[0])

    checked = run_step("check.yml", CHECK_STEP, repo, step_env(fake_github, pull, mailbox, tmp_path))
    fake_github.merge(pull)
    notified = run_step("notify.yml", NOTIFY_STEP, repo, step_env(fake_github, pull, mailbox, tmp_path))

    assert checked.returncode == 0, checked.stdout
    assert notified.returncode == 0, notified.stderr
    assert sorted(mail["To"] for mail in mailbox.wait(2)) == ["auteur1@example.org", "auteur2@example.org"]
    assert [line["action"] for line in journal(tmp_path)] == ["withdrawn", "approved", "approved"]


def test_the_notify_workflow_runs_after_a_batch_closes_with_the_secrets_and_checks_out_nothing_of_it():
    workflow = load(Path(__file__).resolve().parents[2] / ".github" / "workflows" / "notify.yml")
    [job] = workflow["jobs"].values()

    assert workflow["on"] == {"pull_request_target": {"types": ["closed"]}}
    assert job["if"].startswith("startsWith(github.event.pull_request.head.ref, 'entraide/lot-')")
    assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    for step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout"):
            assert "ref" not in step["with"] and step["with"]["persist-credentials"] is False
    [notify] = [step for step in steps(workflow) if step.get("name") == NOTIFY_STEP]
    assert notify["env"]["ENTRAIDE_PRIVATE_KEY"] == "${{ secrets.ENTRAIDE_PRIVATE_KEY }}"
