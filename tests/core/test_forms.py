"""The forms' declarations: one place for fields, labels, required messages and limits, checked against the schema."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from entraide.forms import CONTACT, ENTRY, FORMS, REPORT, WITHDRAW, problems
from entraide.schema import load_schema
from entraide.sealing import KeyPair
from entraide.submission import ENTRY_FIELDS, build_submission

SCHEMA = load_schema()["properties"]


def every_field():
    return [(form.name, field) for form in FORMS.values() for field in form.fields]


@pytest.mark.parametrize(("form", "field"), every_field(), ids=[f"{f}-{field.name}" for f, field in every_field()])
def test_a_field_an_entry_keeps_has_the_schemas_limits_whatever_the_form(form, field) -> None:
    """A first name is capped where the schema caps it, on the entry form and on the contact form alike."""
    spec = SCHEMA.get(field.name, {})
    if "maxLength" in spec:
        assert (field.min_length, field.max_length) == (spec.get("minLength", 0), spec["maxLength"])
    elif spec:  # a choice: the values the schema allows, no more, no less
        assert {choice.value for choice in field.choices} == set(spec["enum"])
    assert field.label and field.label[0].isupper(), "a label residents read, in French"
    assert field.widget == "hidden" or field.max_length or field.choices or field.widget == "checkbox"


def test_the_entry_form_sends_every_field_an_entry_keeps() -> None:
    assert set(ENTRY_FIELDS) == set(SCHEMA) & set(ENTRY.names)
    not_typed = {"id", "location", "created", "expires", "contact", "withdraw_key_hash", "status", "renewed"}
    assert set(ENTRY_FIELDS) == set(SCHEMA) - not_typed


def test_the_entry_id_field_takes_the_longest_id_the_schema_allows() -> None:
    pattern = re.compile(SCHEMA["id"]["pattern"])
    longest = WITHDRAW["entry"].max_length
    assert pattern.fullmatch("a" * longest) and not pattern.fullmatch("a" * (longest + 1))
    assert CONTACT["entry"].max_length == REPORT["entry"].max_length == longest


def test_hints_tell_the_limits_the_fields_enforce() -> None:
    assert f"de 3 à {SCHEMA['title']['maxLength']} caractères" in ENTRY["title"].hint
    assert f"{SCHEMA['availability']['maxLength']} caractères au plus" in ENTRY["availability"].hint


def test_problems_say_what_to_fix_in_form_order() -> None:
    found = problems(CONTACT, {"entry": "grenoble-20261126-3f9a1c2e", "message": "court", "name": "n" * 41})
    assert [(p.key, p.message) for p in found] == [
        ("message", "trop court : au moins 10 caractères"),
        ("name", "trop long : 40 caractères au plus (actuellement 41)"),
    ]
    assert [p.message for p in problems(WITHDRAW, {})] == [WITHDRAW["entry"].required, WITHDRAW["key"].required]
    assert all(field.required for field in WITHDRAW.fields)


def test_an_empty_entry_form_gets_each_declared_required_message() -> None:
    now = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    refused = build_submission({}, keys=KeyPair.generate(), now=now, expiry_days=30, secret=b"test")
    shown = {problem.key: problem.message for problem in refused}
    required = {field.name: field.required for field in ENTRY.fields if field.required}
    assert {key: shown.get(key) for key in required} == required


def test_labels_for_error_lists_include_the_forms_controls() -> None:
    labels = ENTRY.labels()
    assert labels["consent"] == "Accord" and labels["form_token"] and labels["website"]
    assert ENTRY.get("nothing") is None
