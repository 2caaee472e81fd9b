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


def test_the_addresses_of_one_ipv6_slash_64_are_one_client():
    """One subscriber line gets a whole /64: 399 of its addresses got 290 submissions through in one second."""
    limits = RateLimits(per_ip=10, overall=0)
    answers = [limits.wait(f"2001:db8:1:2::{n:x}", now=0) for n in range(1, 400)]
    assert answers.count(0) == 10
    assert limits.wait("2001:db8:1:3::1", now=0) == 0  # the next /64 is someone else
    assert [limits.wait("::ffff:192.0.2.7", now=0) for _ in range(10)] == [0] * 10
    assert limits.wait("192.0.2.7", now=0) > 0  # an IPv4 address written as IPv6 is the same client
