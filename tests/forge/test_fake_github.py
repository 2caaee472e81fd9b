"""The fake GitHub itself: its published limits must bite where GitHub's do, or the benchmark proves nothing."""

from __future__ import annotations

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
