"""An entry's status (open, taken, resolved), its French words, and the signed links that change it.

The author changes it without an account: with the withdraw key (the endpoint's /status form), or from the
follow-up mail's links, each signed for one entry and one status (HMAC with a key derived from the instance's
token secret) and valid for LINK_DAYS. « Still need help » also renews the entry once: its expiry moves to
ENTRAIDE_EXPIRY_DAYS from now and it goes back to the top of its listings (`renewed`). Pure: no I/O here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from functools import cache

from entraide.entries import OPEN, RESOLVED, TAKEN, Entry
from entraide.schema import load_schema
from entraide.signed import sign, unsign

STATUSES = (OPEN, TAKEN, RESOLVED)
STILL_NEEDED = "renew"  # the follow-up's third link: open again, renewed once
LINK_CHOICES = (RESOLVED, TAKEN, STILL_NEEDED)
LINK_DAYS = 30
SIGNED_AS = "status-link"  # entraide.signed: a follow-up link opens nothing else


class LinkProblem(Exception):
    """A follow-up link that is not ours, altered, or too old; the message says so in French."""


@cache
def _kind_labels() -> dict[str, dict[str, str]]:
    return load_schema()["properties"]["status"]["x-kind-labels"]


def status_label(kind: str, status: str) -> str:
    """« Pris en charge » for a taken request, « Complet » for a taken offer, « Résolu », « Ouverte »."""
    return _kind_labels()[kind][status or OPEN]


@dataclass(frozen=True)
class Change:
    """What a status change does to an entry, and what to tell its author."""

    entry: Entry
    changed: bool
    message: str


def change_status(entry: Entry, choice: str, now: dt.datetime, expiry_days: int) -> Change:
    """The entry with its new status; STILL_NEEDED renews it, the first time only."""
    if choice == STILL_NEEDED:
        return _renewed(entry, now, expiry_days)
    if choice not in STATUSES:
        raise ValueError(f"unknown status {choice!r}")
    if entry.state == choice:
        return Change(entry, False, f"Votre annonce était déjà marquée « {status_label(entry.kind, choice)} ».")
    updated = dataclasses.replace(entry, status="" if choice == OPEN else choice)
    return Change(updated, True, _done(updated))


def _renewed(entry: Entry, now: dt.datetime, expiry_days: int) -> Change:
    if entry.renewed:
        reopened = dataclasses.replace(entry, status="")
        return Change(
            reopened,
            entry.state != OPEN,
            "Votre annonce reste en ligne. Elle a déjà été remise en tête des annonces une fois : elle ne l'est "
            "pas de nouveau.",
        )
    expires = max(entry.expires_on, now.date() + dt.timedelta(days=expiry_days))
    renewed = dataclasses.replace(
        entry, status="", renewed=now.isoformat(timespec="seconds"), expires=expires.isoformat()
    )
    return Change(
        renewed,
        True,
        f"Votre annonce est remise en tête des annonces et reste en ligne jusqu'au {expires:%d/%m/%Y}.",
    )


def _done(entry: Entry) -> str:
    if entry.state == RESOLVED:
        return "Merci ! Votre annonce est marquée « Résolu » : elle quitte le site à sa prochaine mise à jour."
    if entry.state == TAKEN:
        label = status_label(entry.kind, TAKEN)
        return f"Votre annonce est marquée « {label} » : elle reste visible, avec cette mention, après les autres."
    return "Votre annonce est de nouveau ouverte : elle reste visible sur le site."


# Signed links


def sign_link(secret: bytes, entry_id: str, choice: str, now: float) -> str:
    """`<entry id>.<choice>.<expiry unix time>.<signature>`: what a follow-up link carries."""
    return sign(secret, SIGNED_AS, entry_id, choice, str(int(now) + LINK_DAYS * 86400))


def verify_link(token: str, secret: bytes, now: float) -> tuple[str, str]:
    """(entry id, choice) of a link signed by this instance and not expired; LinkProblem otherwise."""
    parts = token.split(".")
    if len(parts) != 4 or parts[1] not in LINK_CHOICES or not parts[2].isdigit():
        raise LinkProblem("Ce lien est incomplet ou abîmé : copiez-le en entier depuis l'e-mail reçu.")
    entry_id, choice, expires, _ = parts
    if unsign(secret, SIGNED_AS, token, 3) is None:
        raise LinkProblem(
            "Ce lien n'est pas valable : il a été modifié. Utilisez le lien de l'e-mail tel quel, ou votre clé de "
            "retrait sur la page « Modifier l'état de mon annonce »."
        )
    if now > int(expires):
        raise LinkProblem(
            "Ce lien a expiré. Vous pouvez toujours changer l'état de votre annonce avec votre clé de retrait, "
            "sur la page « Modifier l'état de mon annonce »."
        )
    return entry_id, choice
