"""Whole journeys through the endpoint under a real WSGI server with ENTRAIDE_BACKEND=github, against the
fake GitHub: a resident's offer becomes a pull request, a moderator merges it, a visitor writes to the author
and reports the entry, the author withdraws it."""

from __future__ import annotations

import contextlib
import email
import email.policy
import logging
import threading
import time
from pathlib import Path

import pytest
import requests
import waitress
from conftest import TOKEN

from entraide.config import Config
from entraide.endpoint.app import create_app
from entraide.store import open_store, upgrade

SITE = "https://entraide.example.org"
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


class Endpoint:
    """The endpoint under waitress on a free port of 127.0.0.1."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.app = create_app(config)
        self.server = waitress.create_server(self.app, host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # its socket is closed under it when the test stops it
            self.server.run()

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        """The answer, once the endpoint's publisher has handed over what this request queued."""
        answer = requests.post(self.url + path, json=data, headers={"Origin": SITE}, timeout=10)
        deadline = time.monotonic() + 10
        while self.app.publishing or self.app.store.queue.stats(time.time()).waiting:
            assert time.monotonic() < deadline, "the endpoint's publisher left entries queued"
            time.sleep(0.02)
        return answer

    def mails(self) -> list[email.message.EmailMessage]:
        outbox = Path(self.config.outbox_path)
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(outbox.glob("*.eml"))
        ]

    def stop(self) -> None:
        for channel in list(self.server._map.values()):
            channel.close()
        self.server.task_dispatcher.shutdown(timeout=5)
        self.thread.join(timeout=5)


@pytest.fixture
def endpoint(fake_github, keys, tmp_path):
    config = Config.from_environ(
        {
            "ENTRAIDE_BACKEND": "github",
            "GITHUB_REPOSITORY": f"{fake_github.owner}/{fake_github.repo}",
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_API_URL": fake_github.url,
            "ENTRAIDE_GITHUB_TIMEOUT_SECONDS": "5",
            "ENTRAIDE_SITE_URL": SITE,
            "ENTRAIDE_PRIVATE_KEY": keys.private,
            "ENTRAIDE_TOKEN_SECRET": "a test secret",
            "ENTRAIDE_MIN_FILL_SECONDS": "0",
            "ENTRAIDE_RATE_LIMIT_PER_IP": "0",
            "ENTRAIDE_RATE_LIMIT_GLOBAL": "0",
            "ENTRAIDE_GEOCODER_URL": "",
            "ENTRAIDE_SMTP_HOST": "",
            "ENTRAIDE_OUTBOX_PATH": str(tmp_path / "outbox"),
            "ENTRAIDE_PENDING_PATH": str(tmp_path / "pending"),
            "ENTRAIDE_SUBMISSIONS_PATH": str(tmp_path / "submissions"),
            "ENTRAIDE_REPORTS_PATH": str(tmp_path / "reports"),
            "ENTRAIDE_DEV_KEYS_PATH": str(tmp_path / ".dev-keys"),
            "ENTRAIDE_DATABASE_URL": f"sqlite:///{tmp_path}/entraide.db",
        }
    )
    upgrade(open_store(config.database_url))
    server = Endpoint(config)
    yield server
    server.stop()


def forge_texts(fake_github) -> str:
    """Everything moderators read on GitHub: titles, bodies, labels, comments."""
    parts = [text for p in fake_github.pulls for text in (p.title, p.body, *p.labels, *p.comments)]
    return "\n".join(parts + [text for i in fake_github.issues for text in (i.title, i.body, *i.labels)])


def test_offer_merged_contacted_reported_then_withdrawn(endpoint, fake_github, caplog):
    caplog.set_level(logging.INFO)
    submitted = endpoint.post("/submit", FORM)
    assert submitted.status_code == 201, submitted.text
    entry_id, key = submitted.json()["id"], submitted.json()["withdraw_key"]
    (pull,) = fake_github.pulls
    assert pull.title == "[Offre] Courses — Meylan — « Je fais vos courses le samedi <b>@\u200badmin</b> »"
    assert list(fake_github.changes(pull)) == [f"submissions/meylan/{entry_id}.yaml"]

    fake_github.merge(pull)  # a moderator publishes it
    contacted = endpoint.post(
        "/contact",
        {
            "entry": entry_id,
            "name": "Paul",
            "email": VISITOR_EMAIL,
            "message": "Bonjour, je suis intéressé pour samedi prochain.",
        },
    )
    assert contacted.status_code == 200, contacted.text
    relayed = [m for m in endpoint.mails() if m["Reply-To"] == VISITOR_EMAIL]
    assert [m["To"] for m in relayed] == [AUTHOR_EMAIL]

    reported = endpoint.post("/report", {"entry": entry_id, "reason": "Il demande de l'argent <script>x</script>"})
    assert reported.status_code == 200, reported.text
    (issue,) = fake_github.issues
    assert "Signalement" in issue.labels and "<script>x</script>" in issue.body.split("```text")[2]

    refused = endpoint.post("/withdraw", {"entry": entry_id, "key": "pas-la-bonne-cle"})
    assert refused.status_code == 403 and len(fake_github.pulls) == 1
    withdrawn = endpoint.post("/withdraw", {"entry": entry_id, "key": key})
    assert withdrawn.status_code == 200, withdrawn.text
    removal = fake_github.pulls[-1]
    assert fake_github.changes(removal) == {f"submissions/meylan/{entry_id}.yaml": None}

    for secret in (AUTHOR_EMAIL, AUTHOR_PHONE, AUTHOR_PHONE.replace(" ", ""), VISITOR_EMAIL, TOKEN, key):
        assert secret not in forge_texts(fake_github)
        assert secret not in caplog.text


def test_a_pending_offer_withdrawn_by_its_author_closes_its_pull_request(endpoint, fake_github):
    submitted = endpoint.post("/submit", FORM).json()

    withdrawn = endpoint.post("/withdraw", {"entry": submitted["id"], "key": submitted["withdraw_key"]})

    assert withdrawn.status_code == 200, withdrawn.text
    (pull,) = fake_github.pulls
    assert pull.state == "closed" and "retiré son annonce" in pull.comments[0]


def test_a_withdrawal_while_github_throttles_gets_503_and_retry_after(endpoint, fake_github):
    submitted = endpoint.post("/submit", FORM).json()
    fake_github.merge(fake_github.pulls[0])
    fake_github.fail("POST", "/repos/{owner}/{repo}/git/refs", 429, times=5)

    answer = endpoint.post("/withdraw", {"entry": submitted["id"], "key": submitted["withdraw_key"]})

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "60"
    assert "Réessayez dans 60 secondes" in answer.json()["message"]
    assert len(fake_github.pulls) == 1
