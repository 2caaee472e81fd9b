import json

import pytest

from entraide.schema import load_schema, schema_path, validate


def valid_entry(**changes):
    entry = {
        "id": "meylan-courses-01",
        "kind": "offer",
        "category": "groceries",
        "commune": "38229",
        "title": "Je fais vos courses",
        "description": "Le samedi matin, je passe au marché.\nJe dépose le sac devant la porte.",
        "name": "Léa",
        "created": "2026-11-20T09:30:00+01:00",
        "expires": "2026-12-20",
        "contact": "sealed:v1:0123456789abcdef01234567:AAAA",
    }
    entry.update(changes)
    return {key: value for key, value in entry.items() if value is not None}


def test_a_complete_entry_is_valid():
    assert validate(valid_entry()) == []
    assert (
        validate(
            valid_entry(availability="Le week-end", location={"lat": 45.21, "lon": 5.78}, withdraw_key_hash="sha256:00")
        )
        == []
    )


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"id": "Abc"}, "id", "minuscules"),
        ({"id": "-abcdef"}, "id", "tiret"),
        ({"kind": "gift"}, "kind", "offer, request"),
        ({"category": "jardinage"}, "category", "groceries"),
        ({"commune": "69123"}, "commune", "Métropole"),
        ({"commune": 38185}, "commune", "texte"),
        ({"title": "ab"}, "title", "au moins 3"),
        ({"title": "x" * 81}, "title", "80 caractères au plus"),
        ({"title": "deux\nlignes"}, "title", "une ligne"),
        ({"description": "court"}, "description", "au moins 10"),
        ({"description": "x" * 1001}, "description", "1000 caractères au plus"),
        ({"description": "bip\x07 bip bip bip"}, "description", "contrôle"),
        ({"name": ""}, "name", "au moins 1"),
        ({"name": "n" * 41}, "name", "40"),
        ({"availability": "a" * 201}, "availability", "200"),
        ({"location": {"lat": 45.2}}, "location", "lat et lon"),
        ({"location": {"lat": 45.2, "lon": 5.7, "alt": 3}}, "location", "inconnue"),
        ({"location": {"lat": 145.2, "lon": 5.7}}, "location", "hors limites"),
        ({"location": {"lat": float("nan"), "lon": 5.7}}, "location", ".nan n'en est pas un"),
        ({"location": {"lat": 45.2, "lon": float("nan")}}, "location", ".nan n'en est pas un"),
        ({"location": {"lat": 45.2, "lon": float("-inf")}}, "location", "hors limites"),
        ({"title": "Courses \ufffe du samedi"}, "title", "caractère interdit (comme U+FFFE ou U+FFFF)"),
        ({"name": "Léa\uffff"}, "name", "caractère interdit"),
        ({"description": "Bonjour \ufdd0 à tous les voisins"}, "description", "caractère interdit"),
        ({"availability": "Le soir \U0010ffff"}, "availability", "caractère interdit"),
        ({"contact": "sealed:v1:\ufffe"}, "contact", "caractères ASCII visibles"),
        ({"withdraw_key_hash": "sha256:\uffff"}, "withdraw_key_hash", "caractères ASCII visibles"),
        ({"created": "2026-11-20T09:30:00"}, "created", "décalage horaire"),
        ({"created": "20/11/2026"}, "created", "ISO 8601"),
        ({"expires": "2026-02-30"}, "expires", "date ISO"),
        ({"contact": ""}, "contact", "au moins 1"),
        ({"contact": None}, "contact", "obligatoire"),
        ({"title": None}, "title", "obligatoire"),
        ({"phone": "0612345678"}, "phone", "clé inconnue"),
    ],
)
def test_each_broken_key_gets_one_french_message_naming_it(changes, key, words):
    problems = validate(valid_entry(**changes))
    assert [p.key for p in problems] == [key]
    assert words in problems[0].message


NONCHARACTERS = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
    chr(plane << 16 | last) for plane in range(17) for last in (0xFFFE, 0xFFFF)
]


def test_every_unicode_noncharacter_is_refused_in_every_text_field_and_their_neighbours_are_not():
    assert len(NONCHARACTERS) == 66  # Unicode's whole list: it never grows
    for key in ("title", "description", "name", "availability"):
        refused = [c for c in NONCHARACTERS if validate(valid_entry(**{key: f"Texte {c} du samedi"}))]
        assert refused == NONCHARACTERS, key
    neighbours = "\ufdcf\ufdf0\ufffd\U0001fffd\U00010000\U0010fffd 👩\u200d⚕\ufe0f 🏳\ufe0f\u200d🌈"
    assert validate(valid_entry(title=neighbours[:80], description=f"Texte {neighbours} du samedi")) == []


def test_a_non_mapping_is_refused_with_a_hint():
    assert "clé: valeur" in validate(["a", "b"])[0].message


def test_allowed_communes_come_from_the_communes_data_not_from_the_schema_file():
    with open(schema_path(), encoding="utf-8") as stream:
        on_disk = json.load(stream)
    assert "enum" not in on_disk["properties"]["commune"]
    assert len(load_schema()["properties"]["commune"]["enum"]) == 49


def test_the_precompiled_validators_match_the_schema_and_are_the_ones_used():
    from entraide import schema, schema_compiled

    assert schema.schema_digest() == schema_compiled.DIGEST, "run `make schema` after changing the schema or communes"
    assert schema._property_validators() is schema_compiled.VALIDATORS
