"""Withdraw keys a person can copy by hand and read over the phone; keys issued before keep working."""

import datetime as dt
import hashlib
import re

import pytest

from entraide.sealing import KeyPair
from entraide.submission import build_submission
from entraide.withdraw_keys import canonical, format_key, hash_withdraw_key, withdraw_key_matches
from tests.harness.endpoint import GOOD_FORM

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}")


@pytest.fixture(scope="module")
def issued() -> str:
    result = build_submission(GOOD_FORM, keys=KeyPair.generate(), now=NOW, expiry_days=30, secret=b"s" * 32)
    assert withdraw_key_matches(result.withdraw_key, result.entry.withdraw_key_hash)
    return result.withdraw_key


def test_a_new_key_is_four_groups_of_four_unambiguous_characters(issued):
    assert SHAPE.fullmatch(issued), issued
    assert not set(issued) & set("ILOU")


def test_a_key_is_80_bits():
    assert format_key(b"\x00" * 10) == "0000-0000-0000-0000"
    assert format_key(b"\xff" * 10) == "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    assert format_key(b"\x00" * 9 + b"\x01") == "0000-0000-0000-0001"
    assert len({format_key(bytes([n]) + b"\x00" * 9) for n in range(256)}) == 256


@pytest.mark.parametrize(
    "typed",
    [
        lambda k: k.lower(),
        lambda k: k.replace("-", ""),
        lambda k: k.replace("-", " "),
        lambda k: "  " + k.replace("-", " - ") + " ",
        lambda k: k.replace("0", "O").replace("1", "l"),
        lambda k: k.replace("0", "o").replace("1", "I"),
    ],
    ids=["lower case", "no hyphens", "spaces", "spaced hyphens", "O and l", "o and I"],
)
def test_a_new_key_opens_its_entry_however_it_is_typed(typed):
    key = "7KQ2-M9XD-0T1B-W10E"
    stored = hash_withdraw_key(key)
    assert withdraw_key_matches(typed(key), stored)


def test_a_wrong_new_key_opens_nothing():
    stored = hash_withdraw_key("7KQ2-M9XD-0T1B-W10E")
    for wrong in ("7KQ2-M9XD-0T1B-W10F", "7KQ2-M9XD-0T1B", "", "7KQ2-M9XD-0T1B-W10E-0000", "7KQ2M9XD0T1BW1UE"):
        assert not withdraw_key_matches(wrong, stored), wrong
    assert not withdraw_key_matches("7KQ2-M9XD-0T1B-W10E", "")


def test_a_key_issued_before_keeps_working_exactly_as_given():
    """The 22-character base64url keys, hashed as typed: they still open their entry, and only as typed."""
    old = "DjMrODBdhnw9DdPy6rfOhw"
    stored = "sha256:" + hashlib.sha256(old.encode()).hexdigest()  # what the endpoint wrote before
    assert withdraw_key_matches(old, stored)
    assert withdraw_key_matches(f"  {old} ", stored)
    assert not withdraw_key_matches(old.lower(), stored), "old keys were case-sensitive: they stay so"
    assert not withdraw_key_matches(old.replace("O", "0"), stored)


def test_an_old_key_with_hyphens_that_looks_new_still_opens_its_entry():
    old = "abcdefghjk------mnpqrs"  # 22 base64url characters, 16 of them Crockford's once hyphens are dropped
    assert canonical(old) is not None
    stored = "sha256:" + hashlib.sha256(old.encode()).hexdigest()
    assert withdraw_key_matches(old, stored)


def test_canonical_form():
    assert canonical("7kq2 m9xd-oT1b-wLoe") == "7KQ2M9XD0T1BW10E"
    assert canonical("DjMrODBdhnw9DdPy6rfOhw") is None
    assert canonical("7KQ2-M9XD-0T1B-W1UE") is None  # U is not in the alphabet
