"""Single-use tokens: accepted once, whatever the instance; their record goes once they expire."""

from __future__ import annotations

import pytest

NOW = 1_000_000.0


def test_a_token_is_used_once(store):
    assert store.tokens.use_once("form.1000000.q8Xz-_ab", NOW + 900) is True
    assert store.tokens.use_once("form.1000000.q8Xz-_ab", NOW + 900) is False
    assert store.tokens.use_once("form.1000000.other", NOW + 900) is True


def test_used_tokens_are_forgotten_once_expired(store, rows):
    store.tokens.use_once("form.1000000.q8Xz", NOW + 900)
    store.tokens.use_once("form.1000000.r9Ya", NOW + 1800)
    assert store.purge_expired(NOW + 900) == 1
    assert rows("used_tokens") == 1


def test_a_token_id_with_personal_data_is_refused(store, rows):
    with pytest.raises(ValueError):
        store.tokens.use_once("lea@example.org", NOW)
    assert rows("used_tokens") == 0
