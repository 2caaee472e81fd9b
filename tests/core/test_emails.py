"""Email addresses: one plain address, read back as itself by Python's email package, or a French reason."""

from __future__ import annotations

import pytest

from entraide.emails import email_problem

PLAIN = ["odile.martin@example.fr", "a+voisins@x.fr", "o'brien@example.ie", "Prenom.Nom@Sous.Domaine.example.org"]
NOT_PLAIN = {
    "=?utf-8?q?a=40b.fr=2C_c=40d.fr?=@example.fr": "« =? »",
    "odile=?@example.fr": "« =? »",
    "léa@exemple.fr": "sans accent",
    "odile@bücher.fr": "sans accent",
    "odile@example.fr, sam@example.fr": "pas la bonne forme",
    "Odile <odile@example.fr>": "pas la bonne forme",
    "odile\\martin@example.fr": "pas la bonne forme",
    "odile[1]@example.fr": "pas la bonne forme",
    "odile.@example.fr": "pas la bonne forme",
    ".odile@example.fr": "pas la bonne forme",
    "odile..martin@example.fr": "pas la bonne forme",
    "odile@example..fr": "pas la bonne forme",
    "odile@[example].fr": "pas la bonne forme",
    "odile@example": "pas la bonne forme",
    "o" * 250 + "@x.fr": "pas la bonne forme",
}


@pytest.mark.parametrize("address", PLAIN)
def test_plain_addresses_are_accepted(address):
    assert email_problem(address) == ""


@pytest.mark.parametrize(("address", "words"), NOT_PLAIN.items(), ids=range(len(NOT_PLAIN)))
def test_anything_else_gets_a_french_reason(address, words):
    assert words in email_problem(address)
