"""The endpoint with ENTRAIDE_BACKEND=github, against FORGE's fake GitHub that checks every exchange against
the published contract: a resident's form becomes one pull request; a throttled forge keeps entries queued."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from entraide.backends.github import GitHubBackend
from entraide.endpoint import routes
from entraide.entries import to_yaml
from entraide.publisher import publish
from entraide.store import open_store
from entraide.submission import build_submission
from tests.forge.fake_github import FakeGitHub
from tests.harness.endpoint import AUTHOR_EMAIL, AUTHOR_PHONE, GOOD_FORM, wait_for


@pytest.fixture
def forge():
    fake = FakeGitHub(token="endpoint-test-token").start()
    yield fake
    fake.stop()


@pytest.fixture
def github_endpoint(make_endpoint, forge):
    return endpoint_on(make_endpoint, forge)


def test_a_form_becomes_one_pull_request_without_the_contact(github_endpoint, forge):
    form = {**GOOD_FORM, "submission_id": "github-journey-0001"}
    first = github_endpoint.post("/submit", json=form)
    again = github_endpoint.post("/submit", json=form)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and "withdraw_key" not in again.json()
    github_endpoint.wait_until_published()
    [pull] = forge.pulls
    [(path, text)] = forge.changes(pull).items()
    assert path == f"submissions/grenoble/{first.json()['id']}.yaml"
    assert "contact: sealed:v2:" in text
    for secret in (AUTHOR_EMAIL, AUTHOR_PHONE, AUTHOR_PHONE.replace(" ", ""), "odile.martin"):
        assert secret not in pull.title + pull.body + text
    assert forge.violations == []
    assert github_endpoint.pending_files() == []  # nothing written locally


def test_a_throttled_forge_turns_no_resident_away_and_the_queue_reaches_it_once_it_is_back(github_endpoint, forge):
    """GitHub says 'retry after 10 minutes': residents are still accepted; their entries wait in the queue."""
    forge.fail("*", "*", 403, retry_after=600, times=100)
    answer = github_endpoint.post("/submit", json=GOOD_FORM)
    assert answer.status_code == 201 and "bien reçue" in answer.json()["message"]

    preview = github_endpoint.post("/submit", data={**GOOD_FORM, "title": "Courses du dimanche"}).text
    token = re.search(r'name="confirm_token" value="([^"]+)"', preview).group(1)
    page = github_endpoint.post("/submit", data={**GOOD_FORM, "title": "Courses du dimanche", "confirm_token": token})
    assert page.status_code == 200 and "Merci, votre annonce est envoyée" in page.text

    store = open_store(github_endpoint.config.database_url)
    # the publisher tried, GitHub said to wait: it stopped, and what it had not tried waits too
    wait_for(lambda: store.queue.stats(time.time()).failed >= 1 and not github_endpoint.app.publishing)
    assert forge.pulls == [] and github_endpoint.get("/health").json()["queue"]["waiting"] == 2

    forge.faults.clear()  # ten minutes later, GitHub takes writes again
    later = time.time() + 601
    run = publish(store, GitHubBackend.from_config(github_endpoint.config), clock=lambda: later)
    assert run.published == 2 and len(forge.pulls) == 2 and forge.violations == []
    assert store.queue.stats(later).waiting == 0


@pytest.fixture
def published(keys):
    """A fake GitHub whose main branch already holds one published entry, sealed with the endpoint's key."""
    result = build_submission(GOOD_FORM, keys=keys, now=dt.datetime.now(dt.UTC), expiry_days=30, secret=b"x")
    path = f"submissions/grenoble/{result.entry.id}.yaml"
    fake = FakeGitHub(token="endpoint-test-token", files={path: to_yaml(result.entry)}).start()
    yield fake, result.entry
    fake.stop()


def endpoint_on(make_endpoint, fake):
    """An endpoint whose backend is the fake GitHub."""
    return make_endpoint(
        ENTRAIDE_BACKEND="github",
        GITHUB_REPOSITORY=f"{fake.owner}/{fake.repo}",
        GITHUB_TOKEN=fake.token,
        GITHUB_API_URL=fake.url,
        ENTRAIDE_GITHUB_TIMEOUT_SECONDS=5,
    )


def test_reports_of_one_entry_are_one_issue_then_comments_then_counted(make_endpoint, published, monkeypatch):
    """844 issues were opened by one client reporting every 6 s: now one entry is one issue, whoever reports it."""
    fake, entry = published
    monkeypatch.setattr(routes, "REPORTS_PER_CLIENT_PER_HOUR", 100)  # as if each report came from another resident
    endpoint = endpoint_on(make_endpoint, fake)
    answers = [
        endpoint.post("/report", json={"entry": entry.id, "reason": f"Motif numéro {n} : demande de l'argent"})
        for n in range(12)
    ]
    assert [a.status_code for a in answers] == [200] * 12
    [issue] = fake.issues
    assert len(issue.comments) == routes.REPORTS_RELAYED_PER_ENTRY_PER_DAY
    assert "déjà été signalée" in answers[-1].json()["message"]
    writes = [e for e in fake.exchanges if e.method == "POST"]
    assert len(writes) <= 1 + 1 + routes.REPORTS_RELAYED_PER_ENTRY_PER_DAY  # issue, its labels, the comments
    assert fake.violations == []


def test_one_client_gets_three_reports_an_hour_then_a_french_answer_to_wait(make_endpoint, published):
    fake, entry = published
    endpoint = endpoint_on(make_endpoint, fake)
    answers = [endpoint.post("/report", json={"entry": entry.id, "reason": "Annonce suspecte"}) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert "réessayez dans" in answers[3].json()["message"] and int(answers[3].headers["Retry-After"]) > 0
