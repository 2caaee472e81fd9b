"""The one schema of an entry, and French messages for what breaks it.

`data/entry.schema.json` is the single source of truth: the build, the form endpoint and
`entraide check` all call `validate`. The allowed communes are not copied into the schema file;
`load_schema` adds them from the communes data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Callable

import fastjsonschema

SCHEMA_RESOURCE = "entry.schema.json"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one key of an entry, said in French for residents and moderators."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key} : {self.message}" if self.key else self.message


def schema_path() -> str:
    return str(resources.files("entraide") / "data" / SCHEMA_RESOURCE)


@cache
def load_schema() -> dict[str, Any]:
    """The entry schema, with the allowed commune codes read from the communes data."""
    from entraide.communes import load_communes

    schema = json.loads((resources.files("entraide") / "data" / SCHEMA_RESOURCE).read_text("utf-8"))
    schema["properties"]["commune"]["enum"] = sorted(load_communes().by_code)
    return schema


@cache
def _property_validators() -> dict[str, Callable[[Any], Any]]:
    properties = load_schema()["properties"]
    return {key: fastjsonschema.compile(subschema) for key, subschema in properties.items()}


def validate(data: Any) -> list[Problem]:
    """Every problem of `data` against the schema, one per key at most, in schema order."""
    schema = load_schema()
    if not isinstance(data, dict):
        return [Problem("", "le fichier doit contenir des paires « clé: valeur », une par ligne")]
    problems = [
        Problem(str(key), "clé inconnue : retirez-la (clés permises : " + ", ".join(schema["properties"]) + ")")
        for key in data
        if key not in schema["properties"]
    ]
    for key, check in _property_validators().items():
        if key not in data:
            if key in schema["required"]:
                problems.append(Problem(key, "champ obligatoire manquant"))
            continue
        try:
            check(data[key])
        except fastjsonschema.JsonSchemaValueException as error:
            problems.append(Problem(key, _french(error, schema["properties"][key])))
    return problems


def _french(error: fastjsonschema.JsonSchemaValueException, subschema: dict[str, Any]) -> str:
    rule, limit = error.rule, error.rule_definition
    if rule == "pattern":
        return subschema.get("x-pattern-message", "n'a pas la forme attendue")
    if rule == "format":
        return subschema.get("x-format-message", "n'a pas le format attendu")
    if rule == "enum":
        if "x-enum-message" in subschema:
            return subschema["x-enum-message"]
        return "doit être l'une de ces valeurs : " + ", ".join(str(v) for v in limit)
    if rule == "minLength":
        return f"trop court : au moins {limit} caractère{'s' if limit > 1 else ''}"
    if rule == "maxLength":
        return f"trop long : {limit} caractères au plus (actuellement {len(error.value)})"
    if rule in ("minimum", "maximum"):
        return f"valeur hors limites ({'au moins' if rule == 'minimum' else 'au plus'} {limit})"
    if rule == "type":
        return f"doit être {_TYPE_NAMES.get(limit, limit)}"
    if rule == "required":
        return "doit contenir " + " et ".join(limit)
    if rule == "additionalProperties":
        return "contient une clé inconnue : seules " + ", ".join(subschema.get("properties", {})) + " sont permises"
    return "n'est pas valable"


_TYPE_NAMES = {
    "string": "du texte",
    "number": "un nombre",
    "object": "un ensemble de clés (par exemple lat et lon)",
    "integer": "un nombre entier",
    "array": "une liste",
    "boolean": "vrai ou faux",
}
