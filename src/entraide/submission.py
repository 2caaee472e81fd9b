"""A resident's form becomes an entry: the pure core shared by the form endpoint and `entraide new`.

form fields → cleaned text (trimmed, NFC, no control characters) → contact rules → the entry schema (the
one source of truth, through `entries.check`) → an Entry with its contact sealed and only the hash of its
withdraw key. No I/O here: the geocoder is passed in as a function, the clock and keys as arguments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from entraide import forms
from entraide.characters import has_invisible
from entraide.communes import load_communes
from entraide.emails import email_problem
from entraide.entries import Entry, check
from entraide.rules import Flag, contact_problems, payment_flags
from entraide.schema import Problem, load_schema
from entraide.sealing import Contact, KeyPair
from entraide.withdraw_keys import format_key, hash_withdraw_key

FORM_FIELDS = forms.ENTRY.names  # the entry form, declared once in forms.py
ENTRY_FIELDS = tuple(name for name in FORM_FIELDS if name in load_schema()["properties"])  # what an entry keeps
MULTILINE_FIELDS = forms.ENTRY.multiline
CONSENT_VALUES = ("on", "true", "yes", "oui", "1")
MAX_UNKNOWN_SHOWN = 3  # unknown fields named in an answer; the others are counted
MAX_NAME_SHOWN = 40

_SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,100}$")

Geocoder = Callable[[str, str], "tuple[float, float] | None"]


class AddressProblem(Exception):
    """The address cannot be used (outside the territory, or not in the chosen commune): tell the resident."""


@dataclass(frozen=True)
class Submission:
    """A valid entry ready for a backend, with what the author must be told once (the withdraw key)."""

    entry: Entry
    flags: tuple[Flag, ...]
    idempotency_key: str
    withdraw_key: str = field(repr=False)
    contact: Contact = field(repr=False)  # in clear only to mail the author their key; never logged


def clean(
    form: Mapping[str, Any], known: tuple[str, ...] = FORM_FIELDS, multiline: tuple[str, ...] = MULTILINE_FIELDS
) -> tuple[dict[str, str], list[Problem]]:
    """Known fields as tidy text (trimmed, NFC, line ends unified); problems for unknown or unreadable ones."""
    fields: dict[str, str] = {}
    problems = _unknown_field_problems([key for key in form if key not in known], known)
    for key, value in form.items():
        if key not in known:
            continue
        if key == "consent" and isinstance(value, bool):
            fields[key] = "on" if value else ""
        elif not isinstance(value, str):
            problems.append(Problem(key, "doit être du texte"))
        else:
            fields[key] = tidy(value)
            if problem := control_problem(fields[key], key in multiline):
                problems.append(Problem(key, problem))
    return fields, problems


def _unknown_field_problems(unknown: list[str], known: tuple[str, ...]) -> list[Problem]:
    """The first few unknown fields, then how many more: a form of 2,900 once got a 498 KB answer."""
    shown = [key if len(key) <= MAX_NAME_SHOWN else key[:MAX_NAME_SHOWN] + "…" for key in unknown[:MAX_UNKNOWN_SHOWN]]
    problems = [Problem(key, "champ inconnu") for key in shown]
    if problems:
        problems[0] = Problem(shown[0], "champ inconnu : seuls " + ", ".join(known) + " sont acceptés")
    if len(unknown) > len(shown):
        more = f"{len(unknown) - len(shown):,}".replace(",", " ")
        problems[-1] = Problem(shown[-1], f"{problems[-1].message} (et {more} autres champs inconnus)")
    return problems


def tidy(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def control_problem(text: str, multiline: bool) -> str:
    """Why the text cannot be kept as typed ('' when it can): a line break in a one-line field, a control character."""
    if not multiline and "\n" in text:
        return "doit tenir sur une ligne : retirez les retours à la ligne"
    if has_invisible(text):
        return "contient un caractère invisible ou de contrôle : retapez le texte sans le copier-coller"
    return ""


def contact_field_problems(fields: Mapping[str, str]) -> list[Problem]:
    """A private contact that looks right: an email, a phone, or both (never neither)."""
    email, phone = fields.get("email", ""), fields.get("phone", "")
    problems = []
    if not email and not phone:
        problems.append(
            Problem("email", "indiquez une adresse e-mail ou un numéro de téléphone (ou les deux) : ils restent privés")
        )
    if email and (problem := email_problem(email)):
        problems.append(Problem("email", problem))
    if phone and not normalise_phone(phone):
        problems.append(Problem("phone", "ce numéro n'a pas la bonne forme : 10 chiffres, par exemple 06 12 34 56 78"))
    return problems


def form_problems(fields: Mapping[str, str]) -> list[Problem]:
    """The entry form's fields and lengths, consent, a private contact that looks right, no contact in public text."""
    problems = forms.problems(forms.ENTRY, fields) + contact_field_problems(fields)
    if fields.get("consent", "").lower() not in CONSENT_VALUES:
        problems.append(Problem("consent", forms.ENTRY["consent"].required))
    if (submission_id := fields.get("submission_id")) and not _SUBMISSION_ID.match(submission_id):
        problems.append(Problem("submission_id", "identifiant d'envoi illisible : rechargez la page du formulaire"))
    return problems + contact_problems(fields)


def normalise_phone(phone: str) -> str:
    """A French number written the usual way (06 12 34 56 78), or '' when it is not one."""
    digits = re.sub(r"[\s.\-/()]", "", phone)
    digits = re.sub(r"^(?:\+33|0033)0?", "0", digits)
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    if re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        return digits
    return ""


def idempotency_key(fields: Mapping[str, str], today: dt.date, secret: bytes) -> str:
    """What makes a form sent again the same submission, as a keyed hash: nothing public lets one recompute it.

    The form's own submission_id when it has one (a retry of the enhanced form), else its whole content the
    same day; the contact is always part of it, so a repeat can only ever concern the address first given.
    """
    same = {**fields, "email": fields.get("email", "").lower(), "phone": normalise_phone(fields.get("phone", ""))}
    if fields.get("submission_id"):
        material = "\x1f".join(("form", fields["submission_id"], same["email"], same["phone"]))
    else:
        content = "\x1f".join(same.get(key, "") for key in FORM_FIELDS if key not in ("consent", "submission_id"))
        material = f"content\x1f{today.isoformat()}\x1e{content}"
    return hmac.new(_subkey(secret, b"idempotency"), material.encode(), "sha256").hexdigest()[:32]


def entry_id(commune_code: str, today: dt.date, key: str) -> str:
    """`<commune slug>-<yyyymmdd>-<8 hex>`: readable, sortable, the same for a retry.

    The 8 hex digits come from the keyed idempotency key alone: an id carries the commune and the date, which
    are public, and nothing else that could be recomputed from a guessed contact or text (docs/endpoint.md).
    """
    slug = load_communes().by_code[commune_code].slug[:40].rstrip("-")
    return f"{slug}-{today:%Y%m%d}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def withdraw_key_for(key: str, secret: bytes) -> str:
    """Derived from the idempotency key, so that a retry handed to another instance makes the same entry."""
    return format_key(hmac.new(_subkey(secret, b"withdraw"), key.encode(), "sha256").digest())


def _subkey(secret: bytes, purpose: bytes) -> bytes:
    """One key per use of the instance's secret: a hash made for one purpose is never valid for another."""
    return hmac.new(secret, b"entraide:" + purpose, "sha256").digest()


def build_submission(
    form: Mapping[str, Any],
    *,
    keys: KeyPair,
    now: dt.datetime,
    expiry_days: int,
    secret: bytes,
    geocode: Geocoder | None = None,
) -> Submission | list[Problem]:
    """The submission, or every problem found, keyed by form field, in French."""
    fields, problems = clean(form)
    problems += form_problems(fields) + _draft_problems(fields, now, expiry_days)
    if problems:
        return _unique(problems)
    location, problems = _locate(fields, geocode)
    if problems:
        return problems
    key = idempotency_key(fields, now.date(), secret)
    withdraw_key = withdraw_key_for(key, secret)
    contact = Contact(email=fields.get("email", ""), phone=normalise_phone(fields.get("phone", "")))
    data = _entry_data(fields, key, now, expiry_days, location, keys.seal(contact), withdraw_key)
    problems = [_to_form_problem(p) for p in check(data)]
    if problems:
        return _unique(problems)
    return Submission(Entry.from_data(data), tuple(payment_flags(fields)), key, withdraw_key, contact)


def _draft_problems(fields: Mapping[str, str], now: dt.datetime, expiry_days: int) -> list[Problem]:
    """What the schema says of the public fields, before any sealing or geocoding is spent on a bad form."""
    draft = _entry_data(fields, "draft", now, expiry_days, None, "sealed:draft", "draft")
    problems = [_to_form_problem(p) for p in check(draft)]
    return [p for p in problems if p.key in FORM_FIELDS]  # id and dates follow from the fields reported here


def _locate(fields: Mapping[str, str], geocode: Geocoder | None) -> tuple[tuple[float, float] | None, list[Problem]]:
    """The blurred point of the address; an unknown commune is left for the schema to report."""
    if not fields.get("address") or geocode is None or fields["commune"] not in load_communes().by_code:
        return None, []
    try:
        return geocode(fields["address"], fields["commune"]), []
    except AddressProblem as problem:
        return None, [Problem("address", str(problem))]


def _entry_data(
    fields: Mapping[str, str],
    key: str,
    now: dt.datetime,
    expiry_days: int,
    location: tuple[float, float] | None,
    sealed: str,
    withdraw_key: str,
) -> dict[str, Any]:
    data: dict[str, Any] = {name: fields[name] for name in ENTRY_FIELDS if fields.get(name)}
    if data.get("commune") in load_communes().by_code:
        data["id"] = entry_id(data["commune"], now.date(), key)
    if location:
        data["location"] = {"lat": location[1], "lon": location[0]}
    data["created"] = now.isoformat(timespec="seconds")
    data["expires"] = (now.date() + dt.timedelta(days=expiry_days)).isoformat()
    data["contact"] = sealed
    data["withdraw_key_hash"] = hash_withdraw_key(withdraw_key)
    return data


def _to_form_problem(problem: Problem) -> Problem:
    """Schema problems named as the form names its fields, with the choices said in words residents know."""
    spec = load_schema()["properties"].get(problem.key, {})
    if problem.key in ("kind", "category") and problem.message.startswith("doit être l'une"):
        return Problem(problem.key, "choisissez parmi : " + ", ".join(spec["x-labels"].values()))
    if problem.key == "location":
        return Problem("address", problem.message)
    return problem


def _unique(problems: list[Problem]) -> list[Problem]:
    """One problem per field (the first found), in form order: what a resident fixes first."""
    first: dict[str, Problem] = {}
    for problem in problems:
        first.setdefault(problem.key, problem)
    order = {key: index for index, key in enumerate(FORM_FIELDS)}
    return sorted(first.values(), key=lambda p: order.get(p.key, len(order)))
