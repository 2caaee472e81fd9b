"""Whole journeys through the endpoint under a real WSGI server with ENTRAIDE_BACKEND=github, against the
fake GitHub: a resident's offer becomes a pull request, a moderator merges it, a visitor writes to the author
and reports the entry, the author withdraws it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.forge.fake_github import FakeGitHub
from tests.harness.endpoint import Endpoint

TOKEN = "ghp_journey-token-never-logged"
AUTHOR_EMAIL = "odile.martin@example.fr"
AUTHOR_PHONE = "06 12 34 56 78"
VISITOR_EMAIL = "voisin@example.org"
FORM = {
    "kind": "offer",
    "category": "groceries",
    "commune": "38229",
    "title": "Je fais vos courses le samedi <b>@admin</b>",
    "description": "J'ai une voiture et du temps le samedi matin.\n```\n# Je peux passer à la pharmacie aussi.",
    "name": "Odile",
    "availability": "Le samedi matin",
    "email": AUTHOR_EMAIL,
    "phone": AUTHOR_PHONE,
    "consent": "on",
    "submission_id": "journey-0001",
}


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub(token=TOKEN, files={"submissions/meylan/.gitkeep": "", "README.md": "Entraide\n"}).start()
    yield fake
    fake.stop()
    assert fake.violations == [], "the endpoint or the fake broke GitHub's contract:\n" + "\n".join(fake.violations)


@pytest.fixture
def endpoint(make_endpoint, fake_github: FakeGitHub) -> Endpoint:
    """The endpoint under waitress with ENTRAIDE_BACKEND=github, mailing to a real SMTP server (`mailbox`)."""
    return make_endpoint(
        ENTRAIDE_BACKEND="github",
        GITHUB_REPOSITORY=f"{fake_github.owner}/{fake_github.repo}",
        GITHUB_TOKEN=TOKEN,
        GITHUB_API_URL=fake_github.url,
        ENTRAIDE_GITHUB_TIMEOUT_SECONDS=5,
    )


def send(endpoint: Endpoint, path: str, data: dict[str, Any]) -> Any:
    """The answer, once the endpoint's publisher has handed over what this request queued."""
    answer = endpoint.post(path, json=data)
    endpoint.wait_until_published()
    return answer


def forge_texts(fake_github) -> str:
    """Everything moderators read on GitHub: titles, bodies, labels, comments."""
    parts = [text for p in fake_github.pulls for text in (p.title, p.body, *p.labels, *p.comments)]
    return "\n".join(parts + [text for i in fake_github.issues for text in (i.title, i.body, *i.labels)])


def test_offer_merged_contacted_reported_then_withdrawn(endpoint, fake_github, mailbox, caplog):
    caplog.set_level(logging.INFO)
    submitted = send(endpoint, "/submit", FORM)
    assert submitted.status_code == 201, submitted.text
    entry_id, key = submitted.json()["id"], submitted.json()["withdraw_key"]
    (pull,) = fake_github.pulls
    assert pull.title == "[Offre] Courses — Meylan — « Je fais vos courses le samedi <b>@\u200badmin</b> »"
    assert list(fake_github.changes(pull)) == [f"submissions/meylan/{entry_id}.yaml"]

    fake_github.merge(pull)  # a moderator publishes it
    contacted = send(
        endpoint,
        "/contact",
        {
            "entry": entry_id,
            "name": "Paul",
            "email": VISITOR_EMAIL,
            "message": "Bonjour, je suis intéressé pour samedi prochain.",
        },
    )
    assert contacted.status_code == 200, contacted.text
    relayed = [m for m in mailbox.messages if m["Reply-To"] == VISITOR_EMAIL]
    assert [m["To"] for m in relayed] == [AUTHOR_EMAIL]

    reported = send(endpoint, "/report", {"entry": entry_id, "reason": "Il demande de l'argent <script>x</script>"})
    assert reported.status_code == 200, reported.text
    (issue,) = fake_github.issues
    assert "Signalement" in issue.labels and "<script>x</script>" in issue.body.split("```text")[2]

    refused = send(endpoint, "/withdraw", {"entry": entry_id, "key": "pas-la-bonne-cle"})
    assert refused.status_code == 403 and len(fake_github.pulls) == 1
    withdrawn = send(endpoint, "/withdraw", {"entry": entry_id, "key": key})
    assert withdrawn.status_code == 200, withdrawn.text
    removal = fake_github.pulls[-1]
    assert fake_github.changes(removal) == {f"submissions/meylan/{entry_id}.yaml": None}

    for secret in (AUTHOR_EMAIL, AUTHOR_PHONE, AUTHOR_PHONE.replace(" ", ""), VISITOR_EMAIL, TOKEN, key):
        assert secret not in forge_texts(fake_github)
        assert secret not in caplog.text


def test_a_pending_offer_withdrawn_by_its_author_closes_its_pull_request(endpoint, fake_github):
    submitted = send(endpoint, "/submit", FORM).json()

    withdrawn = send(endpoint, "/withdraw", {"entry": submitted["id"], "key": submitted["withdraw_key"]})

    assert withdrawn.status_code == 200, withdrawn.text
    (pull,) = fake_github.pulls
    assert pull.state == "closed" and "retiré son annonce" in pull.comments[0]


def test_a_withdrawal_while_github_throttles_gets_503_and_retry_after(endpoint, fake_github):
    submitted = send(endpoint, "/submit", FORM).json()
    fake_github.merge(fake_github.pulls[0])
    fake_github.fail("POST", "/repos/{owner}/{repo}/git/refs", 429, times=5)

    answer = send(endpoint, "/withdraw", {"entry": submitted["id"], "key": submitted["withdraw_key"]})

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "60"
    assert "Réessayez dans 60 secondes" in answer.json()["message"]
    assert len(fake_github.pulls) == 1
