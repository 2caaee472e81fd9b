"""status.yml: a status pull request is merged by itself when it changes only `status` (or one renewal), and
flagged otherwise. Its steps run as GitHub's runner runs them, in real git repositories, with `gh` replaced by a
script that records what it was asked (GitHub itself is not reachable from the tests)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from entraide.entries import write_entry
from tests.harness.repository import commit_all, git, make_entry, write
from tests.moderation.test_workflows import ROOT, install_entraide, load, run_step, steps

WORKFLOW = ROOT / ".github" / "workflows" / "status.yml"
FAKE_GH = '#!/bin/sh\nprintf "%s\\n" "$*" >> "$GH_LOG"\n'


@pytest.fixture
def pull(repo, keys, tmp_path):
    """A repository whose main branch holds two entries, and a branch entraide/statut-… made from it."""
    entry = make_entry(keys, 1, kind="request", expires="2026-12-01")
    write(repo / "submissions", entry)
    write(repo / "submissions", make_entry(keys, 2))
    commit_all(repo, "Base branch")
    git(repo, "checkout", "--quiet", "-b", "entraide/statut-test-2026-0001-taken-00000000")
    install_entraide(repo)
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    (bin_folder / "gh").write_text(FAKE_GH)
    (bin_folder / "gh").chmod(0o755)
    return Pull(repo, entry, tmp_path, bin_folder)


@dataclasses.dataclass
class Pull:
    repo: Path
    entry: object
    tmp: Path
    bin: Path

    def commit(self, *entries, message="Statut") -> None:
        for entry in entries:
            write_entry(self.repo / "submissions", entry)
        commit_all(self.repo, message)

    def run(self, step: str) -> tuple:
        env = {
            "BASE_SHA": git(self.repo, "rev-parse", "main").strip(),
            "HEAD_SHA": git(self.repo, "rev-parse", "HEAD").strip(),
            "RUNNER_TEMP": str(self.tmp),
            "GITHUB_OUTPUT": str(self.tmp / "output"),
            "GITHUB_REPOSITORY": "metropole/entraide",
            "PR_NUMBER": "42",
            "BASE_REF": "main",
            "GH_LOG": str(self.tmp / "gh.log"),
            "PATH": f"{self.bin}:/usr/bin:/bin",
        }
        done = run_step("status.yml", step, self.repo, env)
        return done

    def verdict(self) -> str:
        done = self.run("Décider")
        assert done.returncode == 0, done.stderr
        return (self.tmp / "output").read_text().strip()

    def gh_calls(self) -> list[str]:
        log = self.tmp / "gh.log"
        return log.read_text().splitlines() if log.exists() else []


def test_a_status_change_alone_is_merged_then_the_site_published(pull):
    pull.commit(dataclasses.replace(pull.entry, status="resolved"))

    assert pull.verdict() == "verdict=merge"
    assert "Changement de statut seul" in pull.run("Décider").stdout
    done = pull.run("Fusionner et publier")

    assert done.returncode == 0, done.stderr
    assert pull.gh_calls() == [
        f"pr merge 42 --repo metropole/entraide --squash --delete-branch --match-head-commit "
        f"{git(pull.repo, 'rev-parse', 'HEAD').strip()}",
        "workflow run publish.yml --repo metropole/entraide --ref main",
    ]


def test_main_moving_on_meanwhile_does_not_count_against_the_pull_request(pull):
    pull.commit(dataclasses.replace(pull.entry, status="taken"))
    git(pull.repo, "checkout", "--quiet", "main")
    (pull.repo / "submissions" / "grenoble" / "test-2026-0002.yaml").unlink()
    commit_all(pull.repo, "Another entry withdrawn on main")
    git(pull.repo, "checkout", "--quiet", "-")

    assert pull.verdict() == "verdict=merge"


def test_a_first_renewal_is_merged(pull):
    pull.commit(dataclasses.replace(pull.entry, renewed="2026-11-23T18:00:00+01:00", expires="2026-12-23"))
    assert pull.verdict() == "verdict=merge"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"title": "Autre titre", "status": "taken"}, "modifie title"),
        ({"expires": "2027-06-01"}, "sans renouvellement"),
        ({"renewed": "2026-11-23T18:00:00+01:00", "expires": "2027-06-01"}, "au plus tard le 23/12/2026"),
        ({"status": "taken", "description": "Écrivez-moi : lea@example.org, merci beaucoup."}, "adresse e-mail"),
    ],
    ids=["title", "expiry alone", "renewal too long", "contact in the text"],
)
def test_anything_else_is_flagged_with_the_reason_and_never_merged(pull, change, reason):
    pull.commit(dataclasses.replace(pull.entry, **change))

    assert pull.verdict() == "verdict=flag"
    assert reason in (pull.tmp / "review.md").read_text()
    done = pull.run("Signaler aux modérateurs")
    assert done.returncode == 0, done.stderr
    assert pull.gh_calls() == [
        "pr edit 42 --repo metropole/entraide --add-label À vérifier : changement de statut",
        f"pr comment 42 --repo metropole/entraide --body-file {pull.tmp / 'review.md'}",
    ]


def test_a_second_file_or_a_deletion_is_flagged(pull, keys):
    pull.commit(dataclasses.replace(pull.entry, status="taken"), make_entry(keys, 3))
    assert pull.verdict() == "verdict=flag"
    assert "modifie 2 fichiers" in (pull.tmp / "review.md").read_text()


def test_a_deleted_entry_is_flagged(pull):
    (pull.repo / "submissions" / "grenoble" / f"{pull.entry.id}.yaml").unlink()
    git(pull.repo, "add", "-A")
    git(pull.repo, "commit", "--quiet", "-m", "Suppression")
    assert pull.verdict() == "verdict=flag"


def test_only_status_branches_of_this_repository_run_it():
    workflow = load(WORKFLOW)
    condition = workflow["jobs"]["review"]["if"]
    assert "startsWith(github.head_ref, 'entraide/statut-')" in condition
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert list(workflow["on"]) == ["pull_request"]  # never pull_request_target
    [checkout] = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/checkout")]
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.base.sha }}", "the base branch's code decides"
