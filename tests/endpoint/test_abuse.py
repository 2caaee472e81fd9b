"""Form tokens and rate limits on their own."""

from __future__ import annotations

import pytest

from entraide.endpoint.ratelimit import RateLimits, TokenBuckets
from entraide.endpoint.tokens import FORM, PREVIEW, TokenProblem, issue, verify

SECRET = b"secret"


def test_a_token_proves_the_form_was_shown_long_enough_ago():
    token = issue(SECRET, FORM, now=1000)
    verify(token, SECRET, FORM, now=1005, min_age=5, max_age=60)
    with pytest.raises(TokenProblem, match="trop vite"):
        verify(token, SECRET, FORM, now=1002, min_age=5, max_age=60)
    with pytest.raises(TokenProblem, match="trop longtemps"):
        verify(token, SECRET, FORM, now=2000, min_age=5, max_age=60)
    with pytest.raises(TokenProblem, match="non valable"):
        verify(token, b"another secret", FORM, now=1005, min_age=5, max_age=60)
    with pytest.raises(TokenProblem, match="illisible"):
        verify(token, SECRET, PREVIEW, now=1005, min_age=5, max_age=60)


def test_a_preview_token_holds_only_for_the_text_previewed():
    fields = {"title": "Courses", "description": "Le samedi"}
    token = issue(SECRET, PREVIEW, now=1000, fields=fields)
    verify(token, SECRET, PREVIEW, now=1010, min_age=5, max_age=60, fields=fields)
    with pytest.raises(TokenProblem, match="a changé"):
        verify(token, SECRET, PREVIEW, now=1010, min_age=5, max_age=60, fields={**fields, "title": "Argent"})


def test_buckets_allow_a_burst_then_refill_with_time():
    buckets = TokenBuckets(per_minute=2)
    assert [buckets.take("a", now=0) for _ in range(2)] == [0, 0]
    assert buckets.take("a", now=0) == pytest.approx(30)
    assert buckets.take("b", now=0) == 0  # each client has its own bucket
    assert buckets.take("a", now=30) == 0


def test_the_global_limit_holds_for_everyone_together_and_zero_turns_limits_off():
    limits = RateLimits(per_ip=0, overall=2)
    assert [limits.wait(ip, now=0) for ip in ("a", "b", "c")] == [0, 0, 30]
    assert RateLimits(0, 0).wait("a", now=0) == 0
