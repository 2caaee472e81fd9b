"""`entraide new`: an agent files an entry for a resident who is not online, question by question.

The answers become the same form fields the site sends, validated by the endpoint's own code
(`entraide.submission`); each problem sends the agent back to that one question. The agent's name and
the way consent was given are recorded outside the entry (the journal, the approval commit, the pull
request's flags): the entry schema stays the one the site publishes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click

from entraide.categories import load_categories, load_kinds
from entraide.communes import Commune, load_communes
from entraide.forms import ENTRY
from entraide.moderation import ModerationError
from entraide.rules import Flag
from entraide.schema import Problem

CHANNELS = {"phone": ("téléphone", "l'appel"), "desk": ("accueil en mairie", "l'accueil")}
MULTILINE_END = "(terminez par une ligne vide)"


@dataclass
class Question:
    field: str
    ask: Callable[[], str]


def interview() -> dict[str, str]:
    """Every form field, asked in the order a resident would tell them on the phone."""
    return {question.field: question.ask() for question in QUESTIONS}


def fix(form: dict[str, str], problems: list[Problem]) -> dict[str, str]:
    """Show each problem, then ask again only the questions concerned."""
    click.echo("\nÀ corriger :")
    for problem in problems:
        click.echo(f"  - {LABELS.get(problem.key, problem.key)} : {problem.message}")
    by_field = {q.field: q for q in QUESTIONS}
    for problem in problems:
        field = "email" if problem.key == "contact" else problem.key
        if field in by_field:
            form[field] = by_field[field].ask()
        elif field == "location":
            form["address"] = by_field["address"].ask()
    return form


def _choose(title: str, options: list[tuple[str, str]]) -> str:
    click.echo(f"\n{title} :")
    for number, (_, label) in enumerate(options, 1):
        click.echo(f"  {number}. {label}")
    return options[ask_number(len(options)) - 1][0]


def ask_number(count: int) -> int:
    while True:
        answer = click.prompt("Numéro", default="", show_default=False).strip()
        if answer.isdigit() and 1 <= int(answer) <= count:
            return int(answer)
        click.echo(f"  Tapez un numéro entre 1 et {count}.")


def ask_yes_no(question: str) -> bool:
    while True:
        answer = click.prompt(f"{question} [o/n]", default="", show_default=False).strip().lower()
        if answer in ("o", "oui", "y", "yes"):
            return True
        if answer in ("n", "non", "no"):
            return False
        click.echo("  Répondez o (oui) ou n (non).")


def ask_kind() -> str:
    return _choose("Type d'annonce", [(k.key, k.label) for k in load_kinds()])


def ask_category() -> str:
    return _choose("Catégorie", [(c.key, f"{c.label} : {c.description}") for c in load_categories()])


def ask_commune() -> str:
    while True:
        query = click.prompt("\nCommune de la personne (nom ou code postal)")
        found = load_communes().find(query)
        if len(found) == 1:
            click.echo(f"  → {found[0].name} ({found[0].code})")
            return found[0].code
        if found:
            return _choose("Plusieurs communes correspondent", [(c.code, _commune_label(c)) for c in found])
        click.echo(
            "  Aucune commune de la Métropole ne correspond : vérifiez l'orthographe ou donnez le code "
            "postal. Si la personne habite hors de la Métropole, Entraide ne peut pas publier son annonce."
        )


def _commune_label(commune: Commune) -> str:
    return f"{commune.name} ({', '.join(commune.postal_codes)})"


def _line(question: str, optional: bool = False) -> Callable[[], str]:
    def ask() -> str:
        suffix = " (facultatif, Entrée pour passer)" if optional else ""
        return click.prompt(f"\n{question}{suffix}", default="" if optional else None, show_default=False).strip()

    return ask


def ask_description() -> str:
    click.echo(f"\nDescription de l'aide, dans les mots de la personne {MULTILINE_END} :")
    lines: list[str] = []
    while True:
        line = click.prompt("", default="", show_default=False, prompt_suffix="> ")
        if not line.strip():
            if lines:
                return "\n".join(lines).strip()
            click.echo("  La description est obligatoire.")
            continue
        lines.append(line.rstrip())


def ask_consent() -> str:
    click.echo(
        "\nLisez la charte à la personne : l'aide est gratuite ; son annonce (sans ses coordonnées) sera "
        "publiée sur le site ; ses coordonnées restent chiffrées et ne servent qu'à lui transmettre les "
        "messages ; elle peut retirer l'annonce à tout moment avec sa clé de retrait."
    )
    if not ask_yes_no("La personne accepte-t-elle la charte et la publication de son annonce ?"):
        raise ModerationError(
            "sans l'accord de la personne, l'annonce ne peut pas être déposée ; rien n'a été enregistré"
        )
    return "on"


QUESTIONS = (
    Question("kind", ask_kind),
    Question("category", ask_category),
    Question("commune", ask_commune),
    Question("title", _line(f"Titre court de l'annonce ({ENTRY['title'].max_length} caractères au plus)")),
    Question("description", ask_description),
    Question("name", _line("Prénom ou pseudonyme affiché sur le site")),
    Question("availability", _line("Disponibilités", optional=True)),
    Question(
        "address",
        _line(
            "Adresse, pour placer l'annonce sur la carte à quelques centaines de mètres près ; jamais publiée",
            optional=True,
        ),
    ),
    Question("email", _line("E-mail de la personne, privé", optional=True)),
    Question("phone", _line("Téléphone de la personne, privé", optional=True)),
    Question("consent", ask_consent),
)

LABELS = {
    "kind": "type",
    "category": "catégorie",
    "commune": "commune",
    "title": "titre",
    "description": "description",
    "name": "prénom ou pseudonyme",
    "availability": "disponibilités",
    "address": "adresse",
    "email": "e-mail",
    "phone": "téléphone",
    "consent": "accord",
}


def agent_flag(agent: str, channel: str) -> Flag:
    """Told to moderators with the automatic flags, so a pull request shows who filed it and how."""
    how, where = CHANNELS[channel]
    return Flag(
        "filed-by-agent",
        "Déposée par un agent",
        where,
        f"{agent}, par {how} ; accord de la personne recueilli à l'oral",
    )
