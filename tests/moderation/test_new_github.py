"""`entraide new` with the github backend: the pull request shows who filed the entry and how, never the contact.

The forge is the fake GitHub of tests/forge (every exchange checked against GitHub's published contract).
"""

from __future__ import annotations

import pytest

from tests.forge.fake_github import FakeGitHub

TOKEN = "test-token-never-printed"
SCRIPT = (
    "\n".join(
        [
            "2",
            "3",
            "Meylan",
            "Appels pour les personnes seules",
            "Je peux appeler deux fois par semaine.",
            "",
            "Colette",
            "",
            "",
            "",
            "04 76 12 34 56",
            "o",
            "o",
        ]
    )
    + "\n"
)


@pytest.fixture
def forge():
    fake = FakeGitHub(token=TOKEN, files={"README.md": "Entraide\n"}).start()
    yield fake
    fake.stop()
    assert fake.violations == []


def test_new_opens_a_pull_request_with_the_agent_and_the_consent(repo, cli, monkeypatch, forge):
    monkeypatch.setenv("ENTRAIDE_BACKEND", "github")
    monkeypatch.setenv("GITHUB_REPOSITORY", f"{forge.owner}/{forge.repo}")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", forge.url)

    result = cli("new", "--agent", "Marie Agent", input=SCRIPT)

    assert result.code == 0, result.out + result.err
    [pull] = forge.pulls
    assert "transmise aux modérateurs : http" in result.out
    assert "Déposée par un agent" in pull.body
    assert "Marie Agent, par téléphone ; accord de la personne recueilli à l'oral" in pull.body
    assert "04 76" not in pull.body and "0476" not in pull.body and TOKEN not in result.out + result.err
    assert (repo / "pending").exists() is False
