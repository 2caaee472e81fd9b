"""Form tokens and rate limits on their own."""

from __future__ import annotations

import pytest

from entraide.endpoint.ratelimit import RateLimits
from entraide.endpoint.tokens import FORM, PREVIEW, TokenProblem, issue, verify
from entraide.store import open_store, upgrade

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


@pytest.fixture
def store(tmp_path):
    opened = open_store(f"sqlite:///{tmp_path}/entraide.db")
    upgrade(opened)
    yield opened
    opened.close()


def test_a_client_gets_its_limit_a_minute_then_waits(store):
    limits = RateLimits(store, SECRET, per_client=2, overall=0)
    assert [limits.wait("192.0.2.1", now=0) for _ in range(2)] == [0, 0]
    assert limits.wait("192.0.2.1", now=0) > 0
    assert limits.wait("192.0.2.2", now=0) == 0  # each client has its own count
    assert limits.wait("192.0.2.1", now=120) == 0


def test_the_global_limit_holds_for_everyone_together_and_zero_turns_limits_off(store):
    limits = RateLimits(store, SECRET, per_client=0, overall=2)
    assert [limits.wait(ip, now=0) > 0 for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3")] == [False, False, True]
    assert RateLimits(store, SECRET, 0, 0).wait("192.0.2.1", now=0) == 0


def test_the_addresses_of_one_ipv6_slash_64_are_one_client(store):
    """One subscriber line gets a whole /64: 399 of its addresses got 290 submissions through in one second."""
    limits = RateLimits(store, SECRET, per_client=10, overall=0)
    answers = [limits.wait(f"2001:db8:1:2::{n:x}", now=0) for n in range(1, 400)]
    assert answers.count(0) == 10
    assert limits.wait("2001:db8:1:3::1", now=0) == 0  # the next /64 is someone else
    assert [limits.wait("::ffff:192.0.2.7", now=0) for _ in range(10)] == [0] * 10
    assert limits.wait("192.0.2.7", now=0) > 0  # an IPv4 address written as IPv6 is the same client


def test_no_address_reaches_the_store_in_clear(store, tmp_path):
    RateLimits(store, SECRET, per_client=5, overall=0).wait("2001:db8:1:2::1", now=0)
    store.close()
    raw = (tmp_path / "entraide.db").read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("entraide.db-*"))
    assert b"2001:db8" not in raw and b"192.0.2" not in raw
