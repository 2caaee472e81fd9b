"""What a subscriber chose, read from the alerts' form: known communes, categories and kinds, a frequency."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from entraide.emails import email_problem
from entraide.forms import ALERT_CHOICES, ALERTS, Field
from entraide.schema import Problem
from entraide.store import Choices

LISTS = ("communes", "categories", "kinds")
FREQUENCY_SECONDS = {"hourly": 3600.0, "daily": 86400.0}


def read_choices(values: Mapping[str, Sequence[str]]) -> tuple[Choices, list[Problem]]:
    """The choices of a form (each field a list of what was sent); problems name what to fix, in French."""
    problems = []
    picked: dict[str, tuple[str, ...]] = {}
    for field in ALERT_CHOICES:
        sent = tuple(dict.fromkeys(value.strip() for value in values.get(field.name, ()) if value.strip()))
        known = {choice.value for choice in field.choices}
        unknown = [value for value in sent if value not in known]
        if unknown:
            problems.append(Problem(field.name, _unknown(field, unknown[0])))
        picked[field.name] = sent
    frequency = picked["frequency"]
    if len(frequency) != 1:
        problems.append(Problem("frequency", ALERTS["frequency"].required))
    if len(picked["kinds"]) == len(ALERTS["kinds"].choices):
        picked["kinds"] = ()  # both kinds: the same as all
    choices = Choices(
        picked["communes"], picked["categories"], picked["kinds"], frequency[0] if len(frequency) == 1 else ""
    )
    return choices, problems


def read_address(values: Mapping[str, Sequence[str]]) -> tuple[str, list[Problem]]:
    sent = values.get("email", ())
    address = sent[0].strip() if len(sent) == 1 else ""
    if not address:
        return "", [Problem("email", ALERTS["email"].required)]
    if problem := email_problem(address):
        return "", [Problem("email", problem)]
    return address, []


def as_form_values(choices: Choices) -> dict[str, tuple[str, ...]]:
    """The choices as the form shows them checked (both kinds when all are wanted)."""
    kinds = choices.kinds or tuple(choice.value for choice in ALERTS["kinds"].choices)
    return {
        "communes": choices.communes,
        "categories": choices.categories,
        "kinds": kinds,
        "frequency": choices.frequency,
    }


UNKNOWN = {
    "communes": "commune inconnue : « {} ». Cochez des communes de la liste",
    "categories": "catégorie inconnue : « {} ». Cochez des catégories de la liste",
    "kinds": "choix inconnu : « {} ». Cochez « Offres », « Demandes » ou les deux",
    "frequency": "fréquence inconnue : « {} ». Choisissez l'une des deux fréquences proposées",
}


def _unknown(field: Field, value: str) -> str:
    return UNKNOWN[field.name].format(value[:40])
