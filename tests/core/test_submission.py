"""The pure core: form fields → a sealed, validated entry, or French problems per field."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from entraide.entries import check, to_yaml
from entraide.sealing import Contact, KeyPair, withdraw_key_matches
from entraide.submission import AddressProblem, Submission, build_submission
from tests.harness.endpoint import AUTHOR_EMAIL, GOOD_FORM

NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
KEYS = KeyPair.generate()


def build(form, **options):
    return build_submission(form, keys=KEYS, now=NOW, expiry_days=30, **{"secret": b"s", **options})


def problems(form, **options):
    result = build(form, **options)
    assert isinstance(result, list), "expected the form to be refused"
    return {p.key: p.message for p in result}


def test_a_good_form_becomes_a_valid_entry_with_sealed_contact_and_dates():
    result = build(GOOD_FORM, secret=b"s")
    assert isinstance(result, Submission)
    entry = result.entry
    assert re.fullmatch(r"grenoble-20261126-[0-9a-f]{8}", entry.id)
    assert entry.created == "2026-11-26T09:30:00+01:00" and entry.expires == "2026-12-26"
    assert KEYS.unseal(entry.contact) == Contact(AUTHOR_EMAIL, "06 12 34 56 78")
    assert withdraw_key_matches(result.withdraw_key, entry.withdraw_key_hash)
    assert AUTHOR_EMAIL not in to_yaml(entry) and result.withdraw_key not in to_yaml(entry)
    assert check(entry.to_data(), filename=f"pending/grenoble/{entry.id}.yaml") == []


def test_text_is_trimmed_and_nfc_normalised():
    decomposed = "Cafe\u0301 et courses"  # e + combining acute accent
    entry = build({**GOOD_FORM, "title": f"  {decomposed}  ", "description": "Ligne un\r\nLigne deux, merci"}).entry
    assert entry.title == "Café et courses"
    assert entry.description == "Ligne un\nLigne deux, merci"


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\u200b", "\u202e", "\ufeff", "\x85", "\ufffe", "\U0010ffff"])
def test_control_and_invisible_characters_are_refused(bad):
    assert (
        "caractère invisible"
        in problems({**GOOD_FORM, "description": f"Bonjour {bad} à tous les voisins"})["description"]
    )


def test_each_problem_is_reported_under_its_own_field():
    found = problems({"kind": "offer", "title": "ab", "email": "x@", "phone": "12", "consent": ""})
    assert found["title"].startswith("trop court")
    assert "e-mail n'a pas la bonne forme" in found["email"]
    assert "numéro n'a pas la bonne forme" in found["phone"]
    assert "cochez la case" in found["consent"]
    assert {"category", "commune", "description", "name"} <= set(found)


def test_one_of_email_or_phone_is_required_and_either_is_enough():
    assert "email" in problems({**GOOD_FORM, "email": "", "phone": ""})
    assert isinstance(build({**GOOD_FORM, "email": ""}), Submission)
    assert isinstance(build({**GOOD_FORM, "phone": ""}), Submission)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0612345678", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("06.12.34.56.78", "06 12 34 56 78"),
        ("+41 21 123 45 67", "+41211234567"),
    ],
)
def test_phone_numbers_are_kept_in_one_readable_form(typed, kept):
    entry = build({**GOOD_FORM, "phone": typed}).entry
    assert KEYS.unseal(entry.contact).phone == kept


def test_the_same_content_the_same_day_gives_the_same_id_and_key():
    first = build(GOOD_FORM, secret=b"s")
    retyped = {
        **GOOD_FORM,
        "title": " Je fais vos courses le samedi ",
        "phone": "0612345678",
        "email": "Odile.Martin@example.fr",
    }
    second = build(retyped, secret=b"s")
    assert first.entry.id == second.entry.id and first.withdraw_key == second.withdraw_key
    other_day = build_submission(GOOD_FORM, keys=KEYS, now=NOW + dt.timedelta(days=1), expiry_days=30, secret=b"s")
    assert other_day.entry.id != first.entry.id
    assert build({**GOOD_FORM, "title": "Autre chose"}, secret=b"s").entry.id != first.entry.id


def test_a_submission_id_decides_the_id_whatever_the_text_but_not_the_contact():
    one = build({**GOOD_FORM, "submission_id": "abcdefgh-1234"}, secret=b"s")
    two = build({**GOOD_FORM, "submission_id": "abcdefgh-1234", "title": "Un autre titre"}, secret=b"s")
    assert one.entry.id == two.entry.id and one.withdraw_key == two.withdraw_key
    other_address = build({**GOOD_FORM, "submission_id": "abcdefgh-1234", "email": "autre@example.fr"}, secret=b"s")
    assert other_address.entry.id != one.entry.id, "a repeat may only ever concern the address first given"
    assert "abcdefgh" not in one.idempotency_key


def test_two_instances_with_different_secrets_give_identical_forms_different_ids_and_keys():
    one, two = build(GOOD_FORM, secret=b"instance one"), build(GOOD_FORM, secret=b"instance two")
    assert one.entry.id != two.entry.id and one.withdraw_key != two.withdraw_key


PUBLIC_FIELDS = {key: GOOD_FORM[key] for key in ("kind", "category", "commune", "title", "description", "name")}
INSTANCE_SECRET = b"the instance's secret, never published"


def search_phone_numbers(entry_id: str, secret: bytes) -> list[str]:
    """The attack that recovered a sealed number: the entry's public text with every candidate number, hashed."""
    found = []
    for last in range(100):
        phone = f"06 12 34 56 {last:02d}"
        if build({**PUBLIC_FIELDS, "phone": phone, "consent": "on"}, secret=secret).entry.id == entry_id:
            found.append(phone)
    return found


@pytest.mark.parametrize("guessed_secret", [b"", b"s", b"entraide", b"\x00" * 32], ids=["empty", "s", "name", "zeros"])
def test_nothing_public_lets_one_recompute_an_id_from_a_guessed_phone_number(guessed_secret):
    entry = build({**PUBLIC_FIELDS, "phone": "06 12 34 56 42", "consent": "on"}, secret=INSTANCE_SECRET).entry
    assert search_phone_numbers(entry.id, guessed_secret) == [], "the sealed phone number was recovered from its id"
    # The same search with the secret, which never leaves the endpoint, does find it: the search is a real one.
    assert search_phone_numbers(entry.id, INSTANCE_SECRET) == ["06 12 34 56 42"]


def test_payment_mentions_are_flagged_not_refused():
    result = build({**GOOD_FORM, "description": "Je demande 15 € de l'heure pour les courses."})
    assert [flag.code for flag in result.flags] == ["payment"]


def test_the_geocoder_places_the_entry_or_refuses_the_address():
    placed = build({**GOOD_FORM, "address": "1 rue X"}, geocode=lambda address, commune: (5.72, 45.19)).entry
    assert placed.location == (5.72, 45.19)

    def outside(address, commune):
        raise AddressProblem("hors du territoire")

    assert problems({**GOOD_FORM, "address": "Lyon"}, geocode=outside) == {"address": "hors du territoire"}
    assert build({**GOOD_FORM, "address": "1 rue X"}, geocode=lambda a, c: None).entry.location is None
