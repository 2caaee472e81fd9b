"""Telling authors what moderators decided, by mail, through the endpoint's mail settings.

The sealed contact is opened here, used for one mail, and never printed, logged or recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from entraide.moderation import ModerationError
from entraide.sealing import Contact, KeyPair, SealingError

if TYPE_CHECKING:
    from entraide.config import Config


def load_private_keys(config: Config) -> KeyPair:
    """ENTRAIDE_PRIVATE_KEY, else the endpoint's development pair; never a new pair (it could open nothing)."""
    from entraide.keys import PRIVATE_FILE, load_keys

    if not config.private_key and not (Path(config.dev_keys_path) / PRIVATE_FILE).exists():
        raise ModerationError(
            "ENTRAIDE_PRIVATE_KEY n'est pas définie : demandez la clé privée de l'instance à "
            "l'équipe informatique et exportez-la (export ENTRAIDE_PRIVATE_KEY=...)"
        )
    try:
        return load_keys(config)
    except SealingError as error:
        raise ModerationError(str(error)) from None


def available_keys(config: Config) -> KeyPair | None:
    """The private key when this machine has one (moderators), None otherwise (the public repository's CI)."""
    from entraide.keys import PRIVATE_FILE

    if not config.private_key and not (Path(config.dev_keys_path) / PRIVATE_FILE).exists():
        return None
    return load_private_keys(config)


def open_contact(keys: KeyPair, sealed: Any, entry_id: str) -> Contact:
    if not isinstance(sealed, str) or not sealed:
        raise ModerationError(f"l'annonce {entry_id} n'a pas de contact scellé")
    try:
        return keys.unseal(sealed)
    except SealingError as error:
        raise ModerationError(f"contact de l'annonce {entry_id} illisible : {error}") from None
    except ValueError:
        raise ModerationError(f"le contact de l'annonce {entry_id} est abîmé : il ne peut pas être lu") from None


def approval_mail(data: dict[str, Any], site_url: str) -> tuple[str, str]:
    title, entry_id = data.get("title", ""), data.get("id", "")
    subject = f"Votre annonce « {title} » est acceptée"
    body = (
        "Bonjour,\n\n"
        f"Votre annonce « {title} » a été relue et acceptée par les modérateurs.\n"
        f"Elle sera visible d'ici quelques minutes à l'adresse {site_url}/annonces/{entry_id}/\n"
        f"et restera en ligne jusqu'au {_french_date(data.get('expires', ''))}.\n\n"
        "Pour la retirer avant, utilisez la clé de retrait reçue lors de l'envoi sur la page "
        f"{site_url}/retirer/\n\n"
        "Merci pour votre participation à l'entraide entre habitants.\n" + _signature()
    )
    return subject, body


def rejection_mail(data: dict[str, Any], reason: str) -> tuple[str, str]:
    title = data.get("title", "")
    subject = f"Votre annonce « {title} » n'a pas été publiée"
    body = (
        "Bonjour,\n\n"
        f"Les modérateurs n'ont pas publié votre annonce « {title} », pour la raison suivante :\n\n"
        f"    {reason}\n\n"
        "Vous pouvez déposer une nouvelle annonce en tenant compte de cette remarque. Rappel : l'aide\n"
        "sur Entraide est gratuite, et vos coordonnées ne doivent pas figurer dans le texte public.\n" + _signature()
    )
    return subject, body


def send_to_author(config: Config, keys: KeyPair, data: dict[str, Any], mail: tuple[str, str]) -> str:
    """Mail the author when they gave an email; returns what to tell the moderator (never the address)."""
    from entraide.mail import MailUnavailable, send_mail

    contact = open_contact(keys, data.get("contact"), str(data.get("id", "")))
    if not contact.email:
        return "pas d'adresse e-mail (téléphone seulement) : prévenez la personne par téléphone si besoin"
    try:
        send_mail(config, contact.email, *mail)
    except MailUnavailable:
        return "l'e-mail n'a pas pu partir (serveur de messagerie injoignable) : réessayez plus tard"
    return "l'auteur a été prévenu par e-mail"


def _french_date(iso: Any) -> str:
    text = str(iso)
    return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if len(text) == 10 else text


def _signature() -> str:
    from entraide.messages import SIGNATURE

    return SIGNATURE
