"""The site's forms, each declared once: fields, French labels and hints, what an empty field is told, limits.

Everything else derives from these declarations: the endpoint's checks (`problems`, and `submission` for the
entry form), the fields of the endpoint's pages and of the site's pages (one set of Jinja2 macros,
`templates/form_fields.html`, kept in this package so that the endpoint finds it without the theme), the labels
of the enhanced form's error list and of pull requests. The lengths of what an entry keeps come from the schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from entraide import emails
from entraide.categories import load_categories, load_kinds
from entraide.communes import load_communes
from entraide.schema import Problem, load_schema

TEMPLATES = str(resources.files("entraide") / "templates")  # the shared macros, for the site's and endpoint's loaders


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    hint: str = ""
    required: str = ""  # what a resident is told when it is left empty; "" when it is optional
    min_length: int = 0
    max_length: int = 0  # 0: the field has no length of its own (a choice, a box to tick)
    widget: str = "text"  # text, email, tel, textarea, select, radio, checkbox, checkboxes (several) or hidden
    multiline: bool = False  # line breaks are kept
    autocomplete: str = ""
    rows: int = 0
    choices: tuple[Choice, ...] = ()
    empty_choice: str = ""  # a select's first option, chosen until the resident picks one
    link: tuple[str, str] | None = None  # (text, path on the site) of the page that says more, after the hint
    short_label: str = ""  # where the label is a sentence too long to repeat (error summaries, pull requests)

    @property
    def summary_label(self) -> str:
        return self.short_label or self.label

    def problem(self, value: str) -> str:
        """What is wrong with the value typed ('' when nothing is)."""
        if not value:
            return self.required
        if len(value) < self.min_length:
            return f"trop court : au moins {self.min_length} caractère{'s' if self.min_length > 1 else ''}"
        if self.max_length and len(value) > self.max_length:
            return f"trop long : {self.max_length} caractères au plus (actuellement {len(value)})"
        return ""


@dataclass(frozen=True)
class Group:
    """Fields filled together under one legend and one hint (a fieldset)."""

    name: str
    legend: str
    hint: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Form:
    name: str
    action: str  # the endpoint's route, without its slash
    layout: tuple[Field | Group, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for item in self.layout for f in (item.fields if isinstance(item, Group) else (item,)))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def multiline(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.multiline)

    @property
    def honeypot(self) -> Field:
        return HONEYPOT

    def get(self, name: str) -> Field | None:
        return next((f for f in (*self.fields, *CONTROLS) if f.name == name), None)

    def __getitem__(self, name: str) -> Field:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def labels(self) -> dict[str, str]:
        """Every field's name as residents read it in a list of errors, the form's controls included."""
        return {f.name: f.summary_label for f in (*self.fields, *CONTROLS)}


def problems(form: Form, fields: Mapping[str, str]) -> list[Problem]:
    """The form's own rules, in form order: its required fields filled, each length within its limits."""
    return [Problem(f.name, message) for f in form.fields if (message := f.problem(fields.get(f.name, "")))]


def _kept(name: str, label: str, hint: str = "", **declared: Any) -> Field:
    """A field an entry keeps: its lengths are the schema's, which its hint can tell as {min} and {max}."""
    spec = load_schema()["properties"][name]
    low, high = spec.get("minLength", 0), spec["maxLength"]
    return Field(name, label, hint.format(min=low, max=high), min_length=low, max_length=high, **declared)


def _longest_entry_id() -> int:
    """The longest id the schema's id pattern accepts (ids are lowercase letters, digits and dashes)."""
    pattern = re.compile(load_schema()["properties"]["id"]["pattern"])
    return max(size for size in range(1, 256) if pattern.fullmatch("a" * size))


def _entry_id(hint: str = "") -> Field:
    return Field(
        "entry",
        "Numéro de l'annonce",
        hint,
        required="indiquez le numéro de l'annonce (il figure en bas de l'annonce)",
        max_length=_longest_entry_id(),
        autocomplete="off",
    )


HONEYPOT = Field("website", "Ne remplissez pas ce champ", short_label="Site web", autocomplete="off")
FORM_TOKEN = Field("form_token", "Envoi du formulaire", widget="hidden")
CONTROLS = (HONEYPOT, FORM_TOKEN)  # sent by every form of the site, never kept

EMAIL_LENGTH = emails.MAX_LENGTH  # the longest address RFC 5321 lets through
PHONE_LENGTH = 30  # 10 digits and the separators people type between them, or +, 15 digits and spaces

ENTRY = Form(
    "entry",
    "submit",
    (
        Field(
            "kind",
            "Offre ou demande",
            required="indiquez s'il s'agit d'une offre ou d'une demande d'aide",
            widget="radio",
            choices=tuple(Choice(kind.key, kind.label) for kind in load_kinds()),
        ),
        Field(
            "category",
            "Catégorie",
            required="choisissez une catégorie d'aide",
            widget="radio",
            choices=tuple(Choice(c.key, c.label, c.description) for c in load_categories()),
        ),
        Field(
            "commune",
            "Votre commune",
            "L'annonce apparaîtra sur la page de cette commune.",
            required="choisissez votre commune",
            widget="select",
            choices=tuple(Choice(c.code, f"{c.name} ({', '.join(c.postal_codes)})") for c in load_communes()),
            empty_choice="Choisissez votre commune",
        ),
        _kept(
            "title",
            "Titre de l'annonce",
            "En quelques mots, de {min} à {max} caractères. Par exemple : « Je fais vos courses le samedi » ou "
            "« Besoin d'aide pour les courses ».",
            required="écrivez un titre court",
        ),
        _kept(
            "description",
            "Description",
            "De {min} à {max} caractères. N'écrivez ni adresse e-mail, ni téléphone, ni lien : le site ne publie "
            "jamais de coordonnées. On vous contactera par la plateforme.",
            required="décrivez l'aide proposée ou demandée",
            widget="textarea",
            multiline=True,
            rows=7,
        ),
        _kept(
            "name",
            "Prénom ou pseudonyme",
            "Il sera affiché sur l'annonce. Pas de nom de famille.",
            required="indiquez un prénom ou un pseudonyme",
            autocomplete="given-name",
        ),
        _kept(
            "availability",
            "Disponibilités",
            "Facultatif, {max} caractères au plus. Par exemple : « Le week-end » ou « En semaine après 18 h ».",
            multiline=True,  # typed on one line in the forms; `entraide new` and JSON clients may send several
        ),
        Field(
            "address",
            "Adresse ou quartier",
            "Facultatif. Sert seulement à placer l'annonce approximativement sur la carte (à quelques centaines "
            "de mètres près). L'adresse elle-même n'est jamais publiée ni conservée.",
            max_length=200,
            autocomplete="address-line1",
        ),
        Group(
            "contact",
            "Comment vous joindre",
            "Indiquez une adresse e-mail ou un téléphone, ou les deux. Ils sont chiffrés et ne sont jamais publiés : "
            "les personnes intéressées vous écrivent par la plateforme.",
            (
                Field("email", "Adresse e-mail", max_length=EMAIL_LENGTH, widget="email", autocomplete="email"),
                Field("phone", "Téléphone", max_length=PHONE_LENGTH, widget="tel", autocomplete="tel"),
            ),
        ),
        Field(
            "consent",
            "J'accepte que mon annonce soit publiée et que mes coordonnées, chiffrées, servent uniquement à me "
            "transmettre les réponses.",
            "Vous pourrez retirer votre annonce à tout moment avec la clé de retrait qui vous sera donnée.",
            required="cochez la case pour accepter la publication de votre annonce et la charte",
            widget="checkbox",
            link=("Détails dans la page Confidentialité", "/confidentialite/"),
            short_label="Accord",
        ),
        Field("submission_id", "Identifiant d'envoi", widget="hidden"),  # set by the enhanced form's script
    ),
)

CONTACT = Form(
    "contact",
    "contact",
    (
        _entry_id(),
        Field(
            "message",
            "Votre message",
            "Présentez-vous et dites comment vous pouvez aider ou ce dont vous avez besoin.",
            required="écrivez votre message",
            min_length=10,
            max_length=2000,
            widget="textarea",
            multiline=True,
            rows=6,
        ),
        _kept("name", "Votre prénom", required="indiquez votre prénom", autocomplete="given-name"),
        Field(
            "email",
            "Votre adresse e-mail",
            "Pour recevoir la réponse. Indiquez une adresse e-mail ou un téléphone, ou les deux.",
            max_length=EMAIL_LENGTH,
            widget="email",
            autocomplete="email",
        ),
        Field("phone", "Votre téléphone", max_length=PHONE_LENGTH, widget="tel", autocomplete="tel"),
    ),
)

WITHDRAW_KEY = Field(
    "key",
    "Clé de retrait",
    "Elle vous a été donnée après l'envoi de votre annonce (et par e-mail si vous en avez indiqué un), par exemple "
    "7KQ2-M9XD-4TRB-W1ZE : majuscules, minuscules et tirets n'ont pas d'importance.",
    required="indiquez la clé de retrait reçue après l'envoi de votre annonce",
    max_length=200,
    autocomplete="off",
)

WITHDRAW = Form("withdraw", "withdraw", (_entry_id("Par exemple : grenoble-20261126-3f9a1c2e"), WITHDRAW_KEY))

STATUS = Form(
    "status",
    "status",
    (
        _entry_id("Par exemple : grenoble-20261126-3f9a1c2e"),
        WITHDRAW_KEY,
        Field(
            "status",
            "Où en est votre annonce ?",
            required="choisissez où en est votre annonce",
            widget="radio",
            choices=(
                Choice(
                    "taken",
                    "Quelqu'un s'en occupe",
                    "Demande « prise en charge » ou offre « complète » : elle "
                    "reste sur le site avec cette mention, après les autres annonces.",
                ),
                Choice("resolved", "C'est résolu", "L'annonce quitte le site à sa prochaine mise à jour."),
                Choice("open", "Elle est de nouveau ouverte", "L'annonce redevient une annonce comme les autres."),
            ),
        ),
    ),
)

REPORT = Form(
    "report",
    "report",
    (
        _entry_id(),
        Field(
            "reason",
            "Ce qui ne va pas",
            required="dites ce qui ne va pas dans cette annonce",
            min_length=5,
            max_length=1000,
            widget="textarea",
            multiline=True,
            rows=4,
        ),
    ),
)

ALERT_FREQUENCIES = (
    Choice("daily", "Un résumé par jour", "Un seul e-mail par jour au plus, le matin ou dans la journée."),
    Choice("hourly", "Au fil de l'eau", "Un e-mail par heure au plus, quand il y a du nouveau (jamais la nuit)."),
)

# The alerts' choices, also shown without the address on the page that changes them (a signed link).
ALERT_CHOICES = (
    Field(
        "communes",
        "Communes",
        "Cochez une ou plusieurs communes. Ne cochez rien pour toute la Métropole.",
        widget="checkboxes",
        choices=tuple(Choice(c.code, c.name) for c in load_communes()),
    ),
    Field(
        "categories",
        "Catégories",
        "Ne cochez rien pour toutes les catégories.",
        widget="checkboxes",
        choices=tuple(Choice(c.key, c.label) for c in load_categories()),
    ),
    Field(
        "kinds",
        "Offres ou demandes",
        "Ne cochez rien pour les deux.",
        widget="checkboxes",
        choices=tuple(Choice(kind.key, kind.plural) for kind in load_kinds()),
    ),
    Field(
        "frequency",
        "Fréquence",
        required="choisissez la fréquence des e-mails",
        widget="radio",
        choices=ALERT_FREQUENCIES,
    ),
)

ALERTS = Form(
    "alerts",
    "alertes",
    (
        Field(
            "email",
            "Votre adresse e-mail",
            "Elle est chiffrée, ne sert qu'à ces alertes et n'est jamais publiée. Vous recevrez d'abord un e-mail "
            "pour confirmer.",
            required="indiquez l'adresse e-mail où recevoir les alertes",
            max_length=EMAIL_LENGTH,
            widget="email",
            autocomplete="email",
        ),
        *ALERT_CHOICES,
    ),
)

ALERT_CHANGE = Form("alert_change", "alertes/choix", ALERT_CHOICES)

FORMS = {form.name: form for form in (ENTRY, CONTACT, WITHDRAW, STATUS, REPORT, ALERTS, ALERT_CHANGE)}
