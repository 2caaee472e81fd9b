"""The github backend against the fake GitHub: what moderators see in pull requests, and what survives
GitHub's limits, outages and lost answers."""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import replace
from html import unescape

import pytest
from markdown_it import MarkdownIt

from entraide.backends import ForgeUnavailable
from entraide.backends.github import GitHubBackend
from entraide.entries import Entry, parse, to_yaml
from entraide.forge import Limits
from entraide.rules import Flag
from entraide.sealing import KeyPair

from .contract import Exchange
from .secret_values import EMAIL, PHONE, TOKEN

PULLS = "/repos/{owner}/{repo}/pulls"
CONTENTS = "/repos/{owner}/{repo}/contents/{path}"
REFS = "/repos/{owner}/{repo}/git/refs"
LABELS = "/repos/{owner}/{repo}/issues/{issue_number}/labels"
PAYMENT = Flag("payment", "Mention de paiement", "description", "…je demande 10 € de l'heure…")
HOSTILE_TITLE = "<script>alert(1)</script> @admin #1 `x`"
HOSTILE_TEXT = (
    "Bonjour ```\n```\n## Faux titre\n<img src=x onerror=alert(1)>\n@metropole/moderateurs merci #12\n"
    "{{ config }} ~~~\n    ```` fin"
)


def rendered(markdown: str) -> str:
    """The body as GitHub's CommonMark would show it, raw HTML allowed (GitHub keeps some of it)."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def visible(html: str) -> str:
    """The text a reader sees on the page."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def outside_code(html: str) -> str:
    return re.sub(r"<code[^>]*>.*?</code>", "", html, flags=re.S)


def written_entry(fake, pull) -> Entry:
    (text,) = fake.changes(pull).values()
    return Entry.from_data(parse(text))


def writes(fake) -> int:
    return sum(e.method != "GET" for e in fake.exchanges)


# Submissions


def test_a_submission_opens_one_pull_request_adding_the_entry_file(backend, fake_github, entry):
    url = backend.submit(entry, [], "form-abc")

    (pull,) = fake_github.pulls
    assert url.endswith(f"/pull/{pull.number}")
    assert pull.title == "[Offre] Courses — Meylan — « Je fais vos courses le samedi »"
    assert (pull.head, pull.base, pull.state) == (f"entraide/{entry.id}", "main", "open")
    assert list(fake_github.changes(pull)) == [f"submissions/meylan/{entry.id}.yaml"]
    assert written_entry(fake_github, pull) == entry
    assert pull.labels == ["Offre", "Courses", "Commune : Meylan"]


def test_a_request_is_titled_as_a_request(backend, fake_github, entry):
    backend.submit(replace(entry, kind="request", category="homework"), [], "form-abc")

    assert fake_github.pulls[0].title == "[Demande] Devoirs — Meylan — « Je fais vos courses le samedi »"
    assert fake_github.pulls[0].labels[:2] == ["Demande", "Devoirs"]


def test_the_body_shows_moderators_the_entry_and_what_to_check(backend, fake_github, entry):
    backend.submit(entry, [], "form-abc")

    html = rendered(fake_github.pulls[0].body)
    for shown in (
        "Offre d'aide",
        "Courses",
        "Meylan (38229)",
        "Je fais vos courses le samedi",
        "Je peux porter les sacs jusqu'à chez vous.",
        "Marie",
        "le samedi matin",
        "20/03/2026 à 09:30",
        "19/04/2026",
        "un point approximatif",
        f"submissions/meylan/{entry.id}.yaml",
        "Aucun signalement automatique",
        "L'aide est gratuite",
    ):
        assert shown in visible(html), shown
    guide = f"{fake_github.url}/{fake_github.owner}/{fake_github.repo}/blob/main/docs/guide-moderation.md"
    assert f'<a href="{guide}">guide de modération</a>' in html


def test_flags_become_a_checklist_and_labels(backend, fake_github, entry):
    backend.submit(entry, [PAYMENT], "form-abc")

    pull = fake_github.pulls[0]
    assert "- [ ] **Mention de paiement** dans le champ « Description » : ` …je demande 10 € de l'heure… `" in pull.body
    assert "À vérifier : mention de paiement" in pull.labels


def test_no_contact_nor_withdraw_hash_reaches_the_pull_request(backend, fake_github, entry):
    backend.submit(entry, [PAYMENT], "form-abc")

    pull = fake_github.pulls[0]
    shown = " ".join([pull.title, pull.body, *pull.labels])
    for secret in (EMAIL, PHONE, PHONE.replace(" ", ""), entry.contact, entry.withdraw_key_hash, "sealed:"):
        assert secret not in shown
    (text,) = fake_github.changes(pull).values()
    assert entry.contact in text and EMAIL not in text and "0612345678" not in text.replace(" ", "")


def test_hostile_text_is_shown_as_text(backend, fake_github, entry):
    hostile = replace(entry, title=HOSTILE_TITLE, description=HOSTILE_TEXT, name="@admin", availability="`` ` ``")

    backend.submit(hostile, [Flag("payment", "Mention de paiement", "description", "`` 10 € `` <b>")], "form-x")

    pull = fake_github.pulls[0]
    html = rendered(pull.body)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "@" not in outside_code(html) and "#12" not in outside_code(html)
    assert "<h2>Faux titre</h2>" not in html
    codes = list(re.findall(r"<code[^>]*>(.*?)</code>", html, flags=re.S))
    assert any("## Faux titre\n&lt;img src=x onerror=alert(1)&gt;\n@metropole/moderateurs" in c for c in codes)
    assert "`" not in pull.title and "@admin" not in pull.title and "#1 " not in pull.title
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" not in pull.title  # plain text, not escaped twice
    assert written_entry(fake_github, pull) == hostile


def test_long_lines_are_folded_for_reading_without_losing_a_word(backend, fake_github, entry):
    long_line = " ".join(["courses"] * 60) + " " + "x" * 150
    backend.submit(replace(entry, description=long_line), [], "form-abc")

    html = rendered(fake_github.pulls[0].body)
    block = next(c for c in re.findall(r"<code[^>]*>(.*?)</code>", html, flags=re.S) if "x" * 150 in c)
    assert max(len(line) for line in block.splitlines() if "x" not in line) <= 100
    assert block.split() == long_line.split()


def test_the_same_idempotency_key_never_opens_a_second_pull_request(backend, fake_github, entry):
    first = backend.submit(entry, [], "form-abc")
    writes_before = writes(fake_github)

    again = backend.submit(entry, [], "form-abc")

    assert again == first
    assert len(fake_github.pulls) == 1
    assert writes(fake_github) == writes_before


def test_another_instance_given_the_same_key_finds_the_pull_request_on_github(backend, fake_github, entry, clock):
    first = backend.submit(entry, [], "form-abc")
    writes_before = writes(fake_github)
    other = GitHubBackend(
        f"{fake_github.owner}/{fake_github.repo}", TOKEN, api_url=fake_github.url, clock=clock
    )  # another Lambda instance, with its own memory

    assert other.submit(entry, [], "form-abc") == first
    assert len(fake_github.pulls) == 1
    assert writes(fake_github) == writes_before


def test_a_lost_answer_then_a_retry_gives_one_complete_pull_request(backend, fake_github, entry):
    fake_github.hang("POST", PULLS, seconds=5)  # the pull request is opened, the answer never arrives

    with pytest.raises(ForgeUnavailable) as refused:
        backend.submit(entry, [], "form-abc")
    assert refused.value.retry_after_seconds == 30
    assert "Rien n'a été perdu" in refused.value.message_fr
    assert len(fake_github.pulls) == 1 and fake_github.pulls[0].labels == []

    url = backend.submit(entry, [], "form-abc")

    assert len(fake_github.pulls) == 1
    assert url.endswith(f"/pull/{fake_github.pulls[0].number}")
    assert fake_github.pulls[0].labels == ["Offre", "Courses", "Commune : Meylan"]


def test_a_retry_goes_on_from_a_half_done_submission(backend, fake_github, entry):
    fake_github.fail("PUT", CONTENTS, 502, times=3, message="Server Error")  # branch made, file not written

    with pytest.raises(ForgeUnavailable):
        backend.submit(entry, [], "form-abc")
    assert f"heads/entraide/{entry.id}" in fake_github.refs and fake_github.pulls == []

    backend.submit(entry, [], "form-abc")

    assert len(fake_github.requests_to("POST", REFS)) == 1
    assert written_entry(fake_github, fake_github.pulls[0]) == entry


# GitHub's limits and outages


def test_a_secondary_limit_with_retry_after_is_waited_then_the_submission_goes_through(
    backend, fake_github, entry, clock
):
    fake_github.fail("PUT", CONTENTS, 403, retry_after=3)

    backend.submit(entry, [], "form-abc")

    assert clock.sleeps == [pytest.approx(3, abs=0.1)]
    assert len(fake_github.requests_to("PUT", CONTENTS)) == 2
    assert len(fake_github.pulls) == 1


def test_a_429_without_retry_after_waits_a_minute_and_the_resident_is_told_when_to_come_back(
    backend, fake_github, entry, clock
):
    fake_github.fail("POST", PULLS, 429)

    with pytest.raises(ForgeUnavailable) as refused:
        backend.submit(entry, [], "form-abc")

    assert refused.value.retry_after_seconds == 60
    assert "Réessayez dans 60 secondes" in refused.value.message_fr
    sent = len(fake_github.exchanges)
    with pytest.raises(ForgeUnavailable):
        backend.submit(entry, [], "form-abc")
    assert len(fake_github.exchanges) == sent  # blocked on our side: GitHub is not hammered

    clock.now += 61
    backend.submit(entry, [], "form-abc")
    assert len(fake_github.pulls) == 1


def test_repeated_secondary_limits_without_retry_after_back_off_exponentially(backend, fake_github, entry, clock):
    waits = []
    for _ in range(3):
        fake_github.fail("GET", PULLS, 403)
        with pytest.raises(ForgeUnavailable) as refused:
            backend.submit(entry, [], "form-abc")
        waits.append(refused.value.retry_after_seconds)
        clock.now += refused.value.retry_after_seconds

    assert waits == [60, 120, 240]
    assert "Réessayez dans 4 minutes" in refused.value.message_fr


def test_persistent_throttling_gives_forge_unavailable_and_no_pull_request(backend, fake_github, entry):
    fake_github.fail("*", "*", 403, retry_after=600, times=100)

    with pytest.raises(ForgeUnavailable) as refused:
        backend.submit(entry, [], "form-abc")

    assert refused.value.retry_after_seconds == 600
    assert "Réessayez dans 10 minutes" in refused.value.message_fr
    assert fake_github.pulls == []


def test_server_errors_are_retried_a_few_times(backend, fake_github, entry, clock):
    fake_github.fail("POST", REFS, 502, times=2, message="Server Error")

    backend.submit(entry, [], "form-abc")

    assert clock.sleeps == [0.5, 1.0]
    assert len(fake_github.requests_to("POST", REFS)) == 3
    assert len(fake_github.pulls) == 1


def test_a_forge_that_does_not_answer_gives_forge_unavailable_and_writes_nothing(backend, fake_github, entry):
    fake_github.hang("GET", PULLS, seconds=5)

    with pytest.raises(ForgeUnavailable) as refused:
        backend.submit(entry, [], "form-abc")

    assert refused.value.retry_after_seconds == 30
    assert writes(fake_github) == 0


def test_a_token_without_the_permissions_gives_a_503_and_an_error_in_the_logs(backend, fake_github, entry, caplog):
    fake_github.fail("POST", REFS, 403, message="Resource not accessible by personal access token")

    with pytest.raises(ForgeUnavailable) as refused:
        backend.submit(entry, [], "form-abc")

    assert refused.value.retry_after_seconds == 300
    assert "Resource not accessible" in caplog.text and TOKEN not in caplog.text
    assert fake_github.pulls == []


@pytest.mark.parametrize(("repository", "token"), [("", TOKEN), ("metropole", TOKEN), ("metropole/entraide", "")])
def test_the_backend_refuses_to_start_without_a_repository_and_a_token(repository, token):
    with pytest.raises(ValueError, match="GITHUB_"):
        GitHubBackend(repository, token)


def test_a_resident_queued_behind_other_submissions_gets_a_503_instead_of_waiting_long(fake_github, entry, clock):
    backend = GitHubBackend(
        f"{fake_github.owner}/{fake_github.repo}",
        TOKEN,
        api_url=fake_github.url,
        limits=Limits(max_wait_seconds=0.1),
        clock=clock,
    )
    backend._write_lock.acquire()  # another submission is being sent

    with pytest.raises(ForgeUnavailable) as refused:
        backend.submit(entry, [], "form-abc")

    assert refused.value.retry_after_seconds == 15
    assert fake_github.exchanges == []


def test_labels_refused_do_not_fail_a_submission_already_opened(backend, fake_github, entry):
    fake_github.fail("POST", LABELS, 403, message="Resource not accessible by personal access token")

    url = backend.submit(entry, [], "form-abc")

    assert url.endswith(f"/pull/{fake_github.pulls[0].number}") and fake_github.pulls[0].labels == []


def test_labels_held_back_by_github_limits_leave_the_entry_queued_until_a_retry_adds_them(
    backend, fake_github, entry, clock
):
    # Moderators find their commune's entries by label: a pull request without them is never seen. The
    # publisher hands the entry over again later; only a refusal that waiting cannot fix is let go (above).
    fake_github.fail("POST", LABELS, 403, retry_after=600)

    with pytest.raises(ForgeUnavailable) as refused:
        backend.submit(entry, [], "form-abc")
    assert refused.value.retry_after_seconds == 600
    clock.sleep(601)
    backend.submit(entry, [], "form-abc")

    assert len(fake_github.pulls) == 1
    assert fake_github.pulls[0].labels == ["Offre", "Courses", "Commune : Meylan"]


def test_an_unreadable_file_is_not_an_entry(backend, fake_github):
    fake_github.commit_on("main", {"submissions/meylan/meylan-20260320-0badf11e.yaml": b"\xff\xfe not utf-8: ["})

    assert backend.find("meylan-20260320-0badf11e") is None


def test_writes_are_throttled_below_the_published_limits(fake_github, entry, clock):
    backend = GitHubBackend(
        f"{fake_github.owner}/{fake_github.repo}",
        TOKEN,
        api_url=fake_github.url,
        limits=Limits(writes_per_minute=8, write_interval_seconds=0),
        clock=clock,
    )
    backend.submit(replace(entry, id="meylan-20260320-00000001"), [], "a")
    backend.submit(replace(entry, id="meylan-20260320-00000002"), [], "b")
    sent = writes(fake_github)

    with pytest.raises(ForgeUnavailable) as refused:
        backend.submit(replace(entry, id="meylan-20260320-00000003"), [], "c")

    assert 55 <= refused.value.retry_after_seconds <= 60
    assert writes(fake_github) == sent == 8
    clock.now += refused.value.retry_after_seconds
    backend.submit(replace(entry, id="meylan-20260320-00000003"), [], "c")
    assert len(fake_github.pulls) == 3


def test_writes_are_a_second_apart_as_github_asks(fake_github, entry, clock):
    backend = GitHubBackend(f"{fake_github.owner}/{fake_github.repo}", TOKEN, api_url=fake_github.url, clock=clock)
    sent = []
    fake_github.on_request = lambda exchange: sent.append((exchange.method, clock.now))

    backend.submit(entry, [], "a")
    backend.submit(replace(entry, id="meylan-20260320-00000002"), [], "b")

    times = [at for method, at in sent if method != "GET"]
    assert len(times) == 8
    assert all(later - earlier >= 1 for earlier, later in itertools.pairwise(times))


# Withdrawals, reports, finding entries


def test_withdrawing_a_published_entry_opens_a_pull_request_deleting_its_file(backend, fake_github, published):
    url = backend.withdraw(published)

    (pull,) = fake_github.pulls
    assert url.endswith(f"/pull/{pull.number}")
    assert fake_github.changes(pull) == {f"submissions/grenoble/{published.id}.yaml": None}
    assert pull.title == "[Retrait] Conversation à distance — Grenoble — « Discuter au téléphone »"
    assert "Retrait demandé par l'auteur" in pull.body and "Fusionnez" in pull.body
    assert pull.labels == ["Retrait", "Commune : Grenoble"]
    assert backend.withdraw(published) == url and len(fake_github.pulls) == 1


def test_withdrawing_a_pending_entry_closes_its_pull_request(backend, fake_github, entry):
    url = backend.submit(entry, [], "form-abc")

    assert backend.withdraw(entry) == url

    (pull,) = fake_github.pulls
    assert pull.state == "closed"
    assert "retiré son annonce" in pull.comments[0]


def test_a_report_opens_an_issue_with_the_reason_as_text(backend, fake_github, published):
    url = backend.report(published, "Il demande 20 € <b>@admin</b> ```\n# gros titre")

    (issue,) = fake_github.issues
    assert url.endswith(f"/issues/{issue.number}")
    assert issue.title == "Signalement — Grenoble — « Discuter au téléphone » (exemple-2020-000042)"
    assert issue.labels == ["Signalement", "Commune : Grenoble"]
    html = rendered(issue.body)
    assert "Il demande 20 € &lt;b&gt;@admin&lt;/b&gt; ```\n# gros titre" in html
    assert "<b>" not in html and "@" not in outside_code(html)
    assert "https://entraide.example.org/annonces/exemple-2020-000042/" in html
    for secret in (PHONE, published.contact, published.withdraw_key_hash):
        assert secret not in issue.body + issue.title


def test_find_returns_a_published_entry_whose_id_does_not_name_its_commune(backend, published):
    assert backend.find(published.id) == published


def test_find_returns_a_pending_entry(backend, entry, keys: KeyPair):
    backend.submit(entry, [], "form-abc")

    found = backend.find(entry.id)

    assert found == entry
    assert keys.unseal(found.contact).email == EMAIL


def test_find_reads_a_merged_entry_where_its_id_says(backend, fake_github, entry):
    fake_github.commit_on("main", {f"submissions/meylan/{entry.id}.yaml": to_yaml(entry).encode()})

    assert backend.find(entry.id) == entry
    assert not any(e.params.get("path") == "submissions" for e in fake_github.exchanges)  # no folder listing


def test_find_unknown_or_odd_ids_gives_none_and_lists_folders_at_most_once_a_minute(backend, fake_github, clock):
    assert backend.find("inconnue-2020-000001") is None
    assert backend.find("inconnue-2020-000002") is None
    listings = [e for e in fake_github.exchanges if e.params.get("path") == "submissions"]
    assert len(listings) == 1
    clock.now += 61
    assert backend.find("inconnue-2020-000003") is None
    assert len([e for e in fake_github.exchanges if e.params.get("path") == "submissions"]) == 2
    sent = len(fake_github.exchanges)
    assert backend.find("../../etc/passwd") is None
    assert len(fake_github.exchanges) == sent


def test_the_token_and_contacts_never_reach_the_logs(backend, fake_github, entry, caplog):
    caplog.set_level(logging.DEBUG)
    fake_github.fail("POST", PULLS, 403, retry_after=1)

    backend.submit(entry, [PAYMENT], "form-abc")
    backend.find(entry.id)
    backend.withdraw(entry)

    assert caplog.records
    for secret in (TOKEN, EMAIL, PHONE, entry.contact, entry.withdraw_key_hash):
        assert secret not in caplog.text
    assert all(e.headers["Authorization"] == f"Bearer {TOKEN}" for e in fake_github.exchanges)


def test_the_fake_refuses_what_github_would_refuse(fake_github):
    """The contract checks can fail: a request GitHub's contract rejects is recorded as a violation."""
    import requests

    headers = {"Authorization": f"Bearer {TOKEN}", "User-Agent": "test"}
    base = f"{fake_github.url}/repos/{fake_github.owner}/{fake_github.repo}"
    requests.post(f"{base}/git/refs", json={"ref": "refs/heads/x"}, headers=headers, timeout=5)
    requests.get(f"{base}/pulls", params={"state": "merged"}, headers=headers, timeout=5)
    requests.delete(f"{base}/pulls", headers=headers, timeout=5)
    requests.post(
        f"{base}/pulls", json={"title": "x", "head": "main", "base": "main", "labels": 3}, headers=headers, timeout=5
    )
    requests.get(f"{base}/contents/README.md", timeout=5)

    found, fake_github.violations[:] = list(fake_github.violations), []
    assert len(found) == 5, found
    assert "'sha' is a required property" in found[0]
    assert "state" in found[1]
    assert "no such operation" in found[2]
    assert "labels" in found[3] or "Additional properties" in found[3] or "request breaks" in found[3]
    assert "Bearer" in found[4]


def test_the_answers_of_the_fake_follow_the_contract(fake_github):
    """The response checks can fail too: a pull request without its required fields is a violation."""
    exchange = Exchange(
        "GET",
        "/repos/metropole/entraide/pulls/1",
        "/repos/{owner}/{repo}/pulls/{pull_number}",
        {"owner": "metropole", "repo": "entraide", "pull_number": "1"},
        [],
        {},
        b"",
        status=200,
        response=b'{"number": 1}',
        response_headers={"Content-Type": "application/json"},
    )
    problems = fake_github.contract.response_problems(exchange)
    assert problems and "required property" in problems[0]


def test_an_entry_waiting_in_its_pull_request_is_found_but_never_as_published(backend, fake_github, entry):
    """The relay serves published entries only: a pending pull request's author is not reachable through it."""
    backend.submit(entry, [], "form-abc")

    assert backend.find(entry.id) is not None
    assert backend.find_published(entry.id) is None
    assert fake_github.violations == []
