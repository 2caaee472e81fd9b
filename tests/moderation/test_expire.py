"""`entraide expire`: entries past their date leave the repository in one commit; the others stay."""

from __future__ import annotations

from tests.harness.repository import commit_all, git, make_entry, run_entraide, write


def published(repo) -> list[str]:
    return sorted(p.stem for p in (repo / "submissions").rglob("*.yaml"))


def test_expire_removes_entries_past_their_date_in_one_commit(repo, cli, keys):
    write(repo / "submissions", make_entry(keys, 1, expires="2026-12-04"))
    write(repo / "submissions", make_entry(keys, 2, expires="2026-12-05", commune="38229"))  # its last day
    write(repo / "submissions", make_entry(keys, 3, expires="2026-11-30", commune="38229"))
    write(repo / "submissions", make_entry(keys, 4, expires="2027-01-01"))
    commit_all(repo)
    commits = git(repo, "rev-list", "--count", "HEAD")

    result = cli("expire", "--date", "2026-12-05")

    assert result.code == 0, result.err
    assert "submissions/grenoble/test-2026-0001.yaml : expirée le 04/12/2026" in result.out
    assert "submissions/meylan/test-2026-0003.yaml : expirée le 30/11/2026" in result.out
    assert "2 annonces retirées (commit " in result.out
    assert published(repo) == ["test-2026-0002", "test-2026-0004"]
    assert int(git(repo, "rev-list", "--count", "HEAD")) == int(commits) + 1
    assert sorted(git(repo, "show", "--name-status", "--format=", "HEAD").splitlines()) == [
        "D\tsubmissions/grenoble/test-2026-0001.yaml",
        "D\tsubmissions/meylan/test-2026-0003.yaml",
    ]
    message = git(repo, "log", "-1", "--format=%B")
    assert message.startswith("Expire 2 entries past their date (2026-12-05)")
    assert "- test-2026-0001 (expired 2026-12-04)" in message
    assert git(repo, "status", "--porcelain") == ""


def test_expire_dry_run_changes_nothing(repo, cli, keys):
    write(repo / "submissions", make_entry(keys, 1, expires="2026-12-04"))
    commit_all(repo)

    result = cli("expire", "--date", "2026-12-05", "--dry-run")

    assert "1 annonce serait retirée (--dry-run)." in result.out
    assert published(repo) == ["test-2026-0001"]
    assert git(repo, "status", "--porcelain") == ""


def test_expire_with_nothing_to_do_makes_no_commit(repo, cli, keys):
    write(repo / "submissions", make_entry(keys, 1, expires="2027-01-01"))
    commit_all(repo)
    head = git(repo, "rev-parse", "HEAD")

    result = cli("expire", "--date", "2026-12-05")

    assert result.code == 0
    assert result.out == "Aucune annonce expirée au 05/12/2026.\n"
    assert git(repo, "rev-parse", "HEAD") == head


def test_expire_leaves_a_file_whose_date_is_unreadable(repo, cli, keys):
    write(repo / "submissions", make_entry(keys, 1, expires="2026-12-04"))
    broken = repo / "submissions" / "grenoble" / "casse-000001.yaml"
    broken.write_text("id: casse-000001\nexpires: bientôt\n")
    commit_all(repo)

    result = cli("expire", "--date", "2026-12-05")

    assert result.code == 0
    assert "casse-000001.yaml : date d'expiration illisible, fichier laissé en place" in result.err
    assert broken.exists() and published(repo) == ["casse-000001"]


def test_expire_refuses_when_an_expired_file_has_uncommitted_changes(repo, cli, keys):
    path = write(repo / "submissions", make_entry(keys, 1, expires="2026-12-04"))
    commit_all(repo)
    path.write_text(path.read_text().replace("Léa", "Léa B."))

    result = cli("expire", "--date", "2026-12-05")

    assert result.code == 1
    assert "des modifications non enregistrées touchent submissions/grenoble/test-2026-0001.yaml" in result.err
    assert path.exists()


def test_expire_as_a_process_the_way_the_daily_workflow_runs_it(repo, keys):
    write(repo / "submissions", make_entry(keys, 1, expires="2026-12-04"))
    commit_all(repo)

    result = run_entraide("expire", "--date", "2026-12-05", "--moderator", "expiration automatique", cwd=repo)

    assert result.code == 0, result.err
    assert "Moderated-by: expiration automatique" in git(repo, "log", "-1", "--format=%B")
    assert published(repo) == []
