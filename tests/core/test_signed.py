"""entraide.signed: one way to sign what a form or a link carries (form tokens, follow-up and alert links)."""

from __future__ import annotations

import pytest

from entraide.signed import sign, unsign

SECRET = b"the endpoint's token secret"


def test_a_value_signed_for_a_purpose_opens_for_that_purpose_only():
    value = sign(SECRET, "status-link", "grenoble-20261129-0a1b2c3d", "resolved", "1767225600")
    assert value.startswith("grenoble-20261129-0a1b2c3d.resolved.1767225600.")
    assert unsign(SECRET, "status-link", value, 3) == ("grenoble-20261129-0a1b2c3d", "resolved", "1767225600")
    assert unsign(SECRET, "alert-link", value, 3) is None  # a follow-up link is no alert link
    assert unsign(b"another instance's secret", "status-link", value, 3) is None
    assert unsign(SECRET, "status-link", value, 2) is None


def test_an_altered_cut_or_mangled_value_is_refused_without_an_exception():
    value = sign(SECRET, "alert-link", "s", "abc123")
    for bad in (value.replace("abc123", "abc124"), value[:-3], value + "é", "é.é.é", "", "..."):
        assert unsign(SECRET, "alert-link", bad, 2) is None, bad


def test_the_context_is_signed_but_not_carried():
    value = sign(SECRET, "form-token", "preview", "1767225600", "nonce", context="digest of the entry read")
    assert "digest" not in value
    assert unsign(SECRET, "form-token", value, 3, context="digest of the entry read")
    assert unsign(SECRET, "form-token", value, 3, context="digest of another entry") is None


def test_a_field_holding_a_dot_is_refused_when_signing():
    with pytest.raises(ValueError):
        sign(SECRET, "alert-link", "s", "a.b")
