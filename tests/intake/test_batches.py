"""Batches: when the queue is long, one commune's entries reach the moderators in one pull request made with
the Git Data API, on both engines, against the contract-checked fake GitHub; nothing lost or doubled when
GitHub loses an answer half way, and an author's withdrawal takes out just that entry's file."""

from __future__ import annotations

import os
import signal
import time

import pytest

from entraide.backends.github import Batching, GitHubBackend
from entraide.batches import withdrawals
from entraide.forge import Limits
from entraide.publisher import LEASE_SECONDS, RETRY_SECONDS, publish
from tests.forge.clock import ManualClock

from .residents import FORM
from .test_publisher_killed import CONTEXT, WAIT, KillPoints, wait_until
from .workers import REPOSITORY, TOKEN, publish_batches

TREES = "/repos/{owner}/{repo}/git/trees"
PULLS = "/repos/{owner}/{repo}/pulls"
FAST = Limits(write_interval_seconds=0, max_wait_seconds=1, timeout_retry_after_seconds=30)


def github(fake, threshold: int = 10, size: int = 50, timeout: float = 10.0) -> GitHubBackend:
    return GitHubBackend(
        REPOSITORY,
        TOKEN,
        api_url=fake.url,
        limits=FAST,
        timeout_seconds=timeout,
        connect_timeout_seconds=timeout,
        batching=Batching(threshold, size),
    )


def file_entries(intake, count: int, commune: str = "38229") -> list:
    return [intake.file({**FORM, "commune": commune, "title": f"Courses du samedi n° {n}"}).entry for n in range(count)]


def added_files(fake, pull) -> dict[str, str]:
    return {path: text for path, text in fake.changes(pull).items() if text is not None}


def writes(fake) -> int:
    return sum(exchange.method != "GET" for exchange in fake.exchanges)


def test_a_batch_of_fifty_is_one_pull_request_whose_tree_holds_exactly_the_fifty_files(store, intake, fake_github):
    entries = file_entries(intake, 50)

    run = publish(store, github(fake_github))

    assert run.published == 50 and store.queue.stats(time.time()).waiting == 0
    [pull] = fake_github.pulls
    assert pull.head.startswith("entraide/lot-meylan-")
    assert sorted(added_files(fake_github, pull)) == sorted(f"submissions/meylan/{e.id}.yaml" for e in entries)
    head = fake_github.refs[f"heads/{pull.head}"]
    [parent] = fake_github.commits[head].parents
    assert parent == fake_github.refs["heads/main"]  # one commit on top of the base branch
    assert set(fake_github.snapshot(head)) - set(fake_github.snapshot(parent)) == set(added_files(fake_github, pull))
    assert pull.title == "[Lot] Meylan — 50 annonces"
    assert pull.labels == ["Lot", "Commune : Meylan"]
    for entry in entries:
        assert f"Identifiant : `{entry.id}`" in pull.body
        assert f"```text\n{entry.title}\n```" in pull.body
    assert "`Refus <identifiant> : <motif>`" in pull.body
    assert len(pull.body) < 65_536
    assert writes(fake_github) == 5  # tree, commit, branch, pull request, labels
    assert {e.method for e in fake_github.requests_to("POST", TREES)} == {"POST"}
    assert set(run.references.values()) == {f"https://github.com/metropole/entraide/pull/{pull.number}"}


def test_the_largest_commune_goes_first_and_a_short_queue_keeps_one_pull_request_each(store, intake, fake_github):
    file_entries(intake, 8, commune="38185")  # Grenoble
    file_entries(intake, 3)  # Meylan

    run = publish(store, github(fake_github, threshold=10), deadline=None)

    assert run.published == 11
    grenoble, *singles = fake_github.pulls
    assert grenoble.title == "[Lot] Grenoble — 8 annonces"
    assert [pull.head.startswith("entraide/meylan-") for pull in singles] == [True] * 3  # queue short again: singles


def test_a_lost_answer_half_way_leaves_one_batch_without_the_entry_withdrawn_meanwhile(store, intake, fake_github):
    """GitHub makes the branch, then fails the pull request three times: the entries wait in the queue with
    their batch's name; one is withdrawn meanwhile; the next run rebuilds the branch without it, opens the pull
    request, and GitHub's pull request answer is lost on the way back: the run after finds it, never a second."""
    entries = file_entries(intake, 12)
    fake_github.fail("POST", PULLS, 502, times=3)
    first = publish(store, github(fake_github), clock=time.time)
    assert first.published == 0 and first.paused
    assert intake.withdraw_queued(entries[3].id)
    later = time.time() + RETRY_SECONDS + 31
    fake_github.hang("POST", PULLS, seconds=1.5)

    second = publish(store, github(fake_github, timeout=0.5), clock=lambda: later)
    third = publish(store, github(fake_github), clock=lambda: later + 31)

    assert (second.published, third.published) == (0, 11)
    [pull] = fake_github.pulls
    assert sorted(added_files(fake_github, pull)) == sorted(
        f"submissions/meylan/{e.id}.yaml" for e in entries if e is not entries[3]
    )
    assert len(fake_github.commits[fake_github.refs[f"heads/{pull.head}"]].parents) == 1
    assert pull.labels == ["Lot", "Commune : Meylan"]
    assert store.queue.stats(later + 31).waiting == 0


def test_a_withdrawal_in_an_open_batch_removes_just_its_file_in_one_commit(store, intake, fake_github):
    entries = file_entries(intake, 12)
    backend = github(fake_github)
    publish(store, backend)
    [pull] = fake_github.pulls
    before = fake_github.refs[f"heads/{pull.head}"]
    withdrawn, other = entries[5], entries[6]

    assert backend.find(withdrawn.id) == withdrawn  # the withdraw form finds a pending entry inside a batch
    reference = backend.withdraw(withdrawn)

    after = fake_github.refs[f"heads/{pull.head}"]
    assert fake_github.commits[after].parents == (before,)  # one commit
    assert set(fake_github.snapshot(before)) - set(fake_github.snapshot(after)) == {
        f"submissions/meylan/{withdrawn.id}.yaml"
    }
    assert len(added_files(fake_github, pull)) == 11 and pull.state == "open"
    assert withdrawals(pull.comments) == {withdrawn.id}
    assert reference.endswith(f"/pull/{pull.number}")
    assert backend.find(other.id) == other
    assert backend.find(withdrawn.id) is None
    assert backend.withdraw(withdrawn) == reference and len(pull.comments) == 1  # sent again: nothing more


@pytest.mark.parametrize("count", [1, 50])
def test_the_body_stays_within_github_s_limit_however_long_the_texts(store, intake, fake_github, count):
    long_text = "Je fais les courses et je porte les sacs. " * 24  # the 1,000 characters allowed
    for n in range(count):
        intake.file({**FORM, "title": f"Courses n° {n}", "description": long_text[:1000], "availability": "Le " * 66})

    publish(store, github(fake_github, threshold=0, size=50))

    [pull] = fake_github.pulls
    assert len(pull.body) < 65_536
    assert pull.body.count("Identifiant : `meylan-") == count
    assert ("Description raccourcie ici" in pull.body) == (count == 50)


def test_while_the_queue_is_long_batches_spend_the_hour_s_budget_evenly(store, intake, fake_github):
    """500 writes an hour, 5 a batch: one batch every 36 s, the next commune waiting its turn (and filling up)."""
    file_entries(intake, 8, commune="38185")  # Grenoble
    file_entries(intake, 6)  # Meylan
    clock = ManualClock()
    backend = GitHubBackend(REPOSITORY, TOKEN, api_url=fake_github.url, limits=FAST, clock=clock)
    backend.batching = Batching(threshold=5, size=50)

    first = publish(store, backend)
    clock.sleep(35)
    early = publish(store, backend)
    clock.sleep(1)
    second = publish(store, backend)

    assert (first.published, first.paused) == (8, 36.0)
    assert (early.published, round(early.paused)) == (0, 1)
    assert second.published == 6
    assert [pull.title for pull in fake_github.pulls] == ["[Lot] Grenoble — 8 annonces", "[Lot] Meylan — 6 annonces"]


def test_an_entry_named_for_a_batch_whose_pull_request_does_not_list_it_goes_in_another(store, intake, fake_github):
    """A run that claimed only part of a batch opened its pull request; an entry of that batch claimed later is
    not in it: it is put in another batch, never reported as handed over."""
    entries = file_entries(intake, 12)
    fake_github.hang("POST", PULLS, seconds=1.5)  # the pull request is opened, its answer lost
    publish(store, github(fake_github, timeout=0.5))
    [pull] = fake_github.pulls
    late = intake.file({**FORM, "title": "Arrivée plus tard"}).entry
    [claimed] = store.queue.claim("a-publisher-killed-since", time.time(), 60, ids_like=late.id)
    store.queue.annotate([claimed], "a-publisher-killed-since", batch=pull.head.removeprefix("entraide/lot-"))
    store.queue.mark_failed(late.id, "a-publisher-killed-since", "killed", time.time(), 0.0)
    later = time.time() + RETRY_SECONDS + 31

    run = publish(store, github(fake_github), clock=lambda: later)

    assert run.published == 13 and store.queue.stats(later).waiting == 0
    first, second = fake_github.pulls
    assert len(added_files(fake_github, first)) == 12 and late.id not in first.body
    assert second.head == f"entraide/{late.id}"  # the queue is short again: a pull request of its own
    assert list(added_files(fake_github, second)) == [f"submissions/meylan/{late.id}.yaml"]
    assert run.references[late.id].endswith(f"/pull/{second.number}")
    assert {e.id for e in entries} | {late.id} == set(run.references)


def test_an_entry_withdrawn_while_its_batch_is_being_opened_is_taken_out_of_it(store, intake, fake_github):
    entries = file_entries(intake, 12)
    withdrawn = entries[4]

    def withdraw_during_the_pull_request(exchange) -> None:
        if exchange.method == "POST" and exchange.template == PULLS:
            assert intake.withdraw_queued(withdrawn.id)  # the publisher holds it: it is told to take it back

    fake_github.on_request = withdraw_during_the_pull_request
    run = publish(store, github(fake_github))

    assert (run.published, run.withdrawn) == (11, 1)
    [pull] = fake_github.pulls
    assert f"submissions/meylan/{withdrawn.id}.yaml" not in added_files(fake_github, pull)
    assert len(added_files(fake_github, pull)) == 11
    assert withdrawals(pull.comments) == {withdrawn.id}
    assert store.queue.stats(time.time()).waiting == 0


BATCH_KILLS = [  # the publisher killed while GitHub does each write of a batch, in turn, then restarted
    ("POST", TREES, 1),
    ("POST", "/repos/{owner}/{repo}/git/commits", 1),
    ("POST", "/repos/{owner}/{repo}/git/refs", 1),
    ("POST", PULLS, 1),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", 1),
]


def test_a_publisher_killed_at_each_write_of_a_batch_leaves_every_entry_in_exactly_one_pull_request(
    database_url, store, intake, fake_github
):
    entries = file_entries(intake, 20)
    kill_points = KillPoints()
    fake_github.on_request = kill_points
    results = CONTEXT.Queue()
    offset = 0.0
    for point in BATCH_KILLS:
        kill_points.arm(point)
        publisher = CONTEXT.Process(target=publish_batches, args=(database_url, fake_github.url, offset, results))
        publisher.start()
        assert kill_points.arrived.wait(WAIT), f"the publisher never sent {point}"
        os.kill(publisher.pid, signal.SIGKILL)
        publisher.join(WAIT)
        kill_points.release.set()  # GitHub does the work now; its answer goes nowhere
        wait_until(lambda: kill_points.held.status is not None, "GitHub to finish the request")
        offset += LEASE_SECONDS + 1

    kill_points.arm(None)
    publisher = CONTEXT.Process(target=publish_batches, args=(database_url, fake_github.url, offset, results))
    publisher.start()
    publisher.join(WAIT)
    assert publisher.exitcode == 0 and results.get(timeout=WAIT)["published"] == 20

    [pull] = fake_github.pulls
    assert sorted(added_files(fake_github, pull)) == sorted(f"submissions/meylan/{e.id}.yaml" for e in entries)
    assert pull.labels == ["Lot", "Commune : Meylan"]
    assert store.queue.stats(time.time() + offset).waiting == 0
