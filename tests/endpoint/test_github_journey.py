"""The endpoint with ENTRAIDE_BACKEND=github, against FORGE's fake GitHub that checks every exchange against
the published contract: a resident's form becomes one pull request; a throttled forge gives 503 and keeps it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from .conftest import AUTHOR_EMAIL, AUTHOR_PHONE, GOOD_FORM

sys.path.insert(0, str(Path(__file__).parents[1] / "forge"))
fake_github_module = pytest.importorskip("fake_github")


@pytest.fixture
def forge():
    fake = fake_github_module.FakeGitHub(token="endpoint-test-token").start()
    yield fake
    fake.stop()


@pytest.fixture
def github_endpoint(make_endpoint, forge):
    return make_endpoint(
        ENTRAIDE_BACKEND="github",
        GITHUB_REPOSITORY=f"{forge.owner}/{forge.repo}",
        GITHUB_TOKEN=forge.token,
        GITHUB_API_URL=forge.url,
        ENTRAIDE_GITHUB_TIMEOUT_SECONDS=5,
    )


def test_a_form_becomes_one_pull_request_without_the_contact(github_endpoint, forge):
    form = {**GOOD_FORM, "submission_id": "github-journey-0001"}
    first = github_endpoint.post("/submit", json=form)
    again = github_endpoint.post("/submit", json=form)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and "withdraw_key" not in again.json()
    [pull] = forge.pulls
    [(path, text)] = forge.changes(pull).items()
    assert path == f"submissions/grenoble/{first.json()['id']}.yaml"
    assert "contact: sealed:v2:" in text
    for secret in (AUTHOR_EMAIL, AUTHOR_PHONE, AUTHOR_PHONE.replace(" ", ""), "odile.martin"):
        assert secret not in pull.title + pull.body + text
    assert forge.violations == []
    assert github_endpoint.pending_files() == []  # nothing written locally


def test_a_throttled_forge_gives_503_with_retry_after_and_the_preview_kept(github_endpoint, forge):
    forge.fail("*", "*", 403, retry_after=600, times=100)
    answer = github_endpoint.post("/submit", json=GOOD_FORM)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "600"
    assert "10 minutes" in answer.json()["message"]

    preview = github_endpoint.post("/submit", data=GOOD_FORM).text
    token = re.search(r'name="confirm_token" value="([^"]+)"', preview).group(1)
    page = github_endpoint.post("/submit", data={**GOOD_FORM, "confirm_token": token})
    assert page.status_code == 503 and "Confirmer et envoyer" in page.text
    assert 'value="Je fais vos courses le samedi"' in page.text
    assert forge.pulls == []
