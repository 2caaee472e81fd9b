"""A status change through the github backend: one small pull request changing only the `status` field."""

from dataclasses import replace

import yaml

from entraide.entries import to_yaml
from entraide.status import change_status
from tests.core.test_status import NOW


def test_a_status_change_is_a_pull_request_touching_only_the_status(backend, fake_github, published):
    taken = change_status(published, "taken", NOW, 30).entry

    url = backend.change_status(published, taken)

    (pull,) = fake_github.pulls
    assert url.endswith(f"/pull/{pull.number}")
    path = f"submissions/grenoble/{published.id}.yaml"
    changes = fake_github.changes(pull)
    assert list(changes) == [path]
    before, after = yaml.safe_load(to_yaml(published)), yaml.safe_load(changes[path])
    assert after == {**before, "status": "taken"}
    assert pull.head.startswith(f"entraide/statut-{published.id}-taken-")
    assert pull.title == "[Statut] Pris en charge — Grenoble — « Discuter au téléphone »"
    assert "Changement de statut : Ouverte → Pris en charge" in pull.body
    assert pull.labels == ["Changement de statut", "Commune : Grenoble"]
    for secret in (published.contact, published.withdraw_key_hash, "sealed:"):
        assert secret not in pull.title + pull.body
    assert backend.change_status(published, taken) == url and len(fake_github.pulls) == 1, "a retry opens nothing"


def test_another_change_of_the_same_entry_is_another_pull_request(backend, fake_github, published):
    backend.change_status(published, change_status(published, "taken", NOW, 30).entry)
    backend.change_status(published, change_status(published, "resolved", NOW, 30).entry)

    assert len(fake_github.pulls) == 2
    assert "Résolu" in fake_github.pulls[1].title


def test_a_renewal_changes_status_renewed_and_expires_only(backend, fake_github, published):
    renewed = change_status(replace(published, status="taken"), "renew", NOW, 30).entry

    backend.change_status(published, renewed)

    (pull,) = fake_github.pulls
    (text,) = fake_github.changes(pull).values()
    after = yaml.safe_load(text)
    assert {key for key in after if after[key] != yaml.safe_load(to_yaml(published)).get(key)} == {
        "renewed",
        "expires",
    }
    assert "Toujours d'actualité" in pull.title and "remise en tête" in pull.body


def test_a_hostile_title_stays_text_in_the_status_pull_request(backend, fake_github, published):
    from tests.forge.test_github_backend import HOSTILE_TITLE, outside_code, rendered

    hostile = replace(published, title=HOSTILE_TITLE)  # the PR's texts come from the entry the endpoint found

    backend.change_status(hostile, change_status(hostile, "resolved", NOW, 30).entry)

    (pull,) = fake_github.pulls
    html = rendered(pull.body)
    assert "<script" not in html and "@" not in outside_code(html) and "#1" not in outside_code(html)
    assert "`" not in pull.title and "@admin" not in pull.title
