"""The fake GitHub itself: its published limits must bite where GitHub's do, or the benchmark proves nothing."""

from __future__ import annotations

import subprocess

import requests

from .clock import ManualClock
from .fake_github import PublishedLimits
from .secret_values import TOKEN

HEADERS = {"Authorization": f"Bearer {TOKEN}", "User-Agent": "test"}


def test_the_eighty_first_write_of_a_minute_is_refused_with_retry_after():
    clock = ManualClock()
    limits = PublishedLimits(clock.monotonic)
    for _ in range(80):
        assert limits.refuse("POST", "/repos/{owner}/{repo}/pulls") is None
        clock.now += 0.5

    assert limits.refuse("POST", "/repos/{owner}/{repo}/pulls") == 20
    clock.now += 20
    assert limits.refuse("POST", "/repos/{owner}/{repo}/pulls") is None


def test_five_hundred_writes_an_hour_then_refused():
    clock = ManualClock()
    limits = PublishedLimits(clock.monotonic)
    for _ in range(500):
        assert limits.refuse("PUT", "/repos/{owner}/{repo}/contents/{path}") is None
        clock.now += 1

    assert limits.refuse("PUT", "/repos/{owner}/{repo}/contents/{path}") == 3100


def test_nine_hundred_points_a_minute_on_one_endpoint():
    clock = ManualClock()
    limits = PublishedLimits(clock.monotonic)
    for _ in range(900):
        assert limits.refuse("GET", "/repos/{owner}/{repo}/pulls") is None

    assert limits.refuse("GET", "/repos/{owner}/{repo}/pulls") is not None
    assert limits.refuse("GET", "/repos/{owner}/{repo}/contents/{path}") is None


def test_a_refusal_is_a_403_secondary_limit_in_github_s_words(fake_github):
    clock = ManualClock()
    fake_github.limits = PublishedLimits(clock.monotonic, per_minute=1)
    url = f"{fake_github.url}/repos/{fake_github.owner}/{fake_github.repo}/git/refs"
    main = fake_github.refs["heads/main"]
    assert requests.post(url, json={"ref": "refs/heads/y", "sha": main}, headers=HEADERS, timeout=5).ok

    answer = requests.post(url, json={"ref": "refs/heads/x", "sha": main}, headers=HEADERS, timeout=5)

    assert answer.status_code == 403 and answer.headers["retry-after"] == "60"
    assert "secondary rate limit" in answer.json()["message"]
    assert "heads/x" not in fake_github.refs


def test_the_git_data_api_builds_one_commit_of_many_files_and_a_pull_request_lists_them(fake_github):
    api = f"{fake_github.url}/repos/{fake_github.owner}/{fake_github.repo}"
    main = fake_github.refs["heads/main"]
    base_tree = requests.get(f"{api}/git/commits/{main}", headers=HEADERS, timeout=5).json()["tree"]["sha"]
    files = [
        {"path": f"submissions/meylan/x{n}.yaml", "mode": "100644", "type": "blob", "content": f"{n}\n"}
        for n in range(3)
    ]
    tree = requests.post(f"{api}/git/trees", json={"base_tree": base_tree, "tree": files}, headers=HEADERS, timeout=5)
    commit = requests.post(
        f"{api}/git/commits",
        json={"message": "Lot", "tree": tree.json()["sha"], "parents": [main]},
        headers=HEADERS,
        timeout=5,
    )
    sha = commit.json()["sha"]
    requests.post(f"{api}/git/refs", json={"ref": "refs/heads/lot", "sha": sha}, headers=HEADERS, timeout=5)
    pull = requests.post(
        f"{api}/pulls", json={"title": "Lot", "head": "lot", "base": "main"}, headers=HEADERS, timeout=5
    )
    fake_github.commit_on("lot", {"submissions/meylan/x1.yaml": None}, "Refus de x1")

    listed = requests.get(f"{api}/pulls/{pull.json()['number']}/files", headers=HEADERS, timeout=5).json()
    rewound = requests.patch(f"{api}/git/refs/heads/lot", json={"sha": main}, headers=HEADERS, timeout=5)

    assert (tree.status_code, commit.status_code, commit.json()["parents"][0]["sha"]) == (201, 201, main)
    assert [(f["filename"], f["status"]) for f in listed] == [
        ("submissions/meylan/x0.yaml", "added"),
        ("submissions/meylan/x2.yaml", "added"),
    ]
    assert set(fake_github.files("heads/lot")) - set(fake_github.files()) == {
        "submissions/meylan/x0.yaml",
        "submissions/meylan/x2.yaml",
    }
    assert rewound.status_code == 422 and "fast forward" in rewound.json()["message"]


def test_objects_have_git_s_own_ids(fake_github):
    """The same ids as `git hash-object`: a file of the fake and of a real repository are the same object."""
    api = f"{fake_github.url}/repos/{fake_github.owner}/{fake_github.repo}"

    blob = requests.post(f"{api}/git/blobs", json={"content": "Entraide\n"}, headers=HEADERS, timeout=5).json()

    assert blob["sha"] == _git_hash_object(b"Entraide\n")


def _git_hash_object(data: bytes) -> str:
    return (
        subprocess.run(["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True)
        .stdout.decode()
        .strip()
    )
