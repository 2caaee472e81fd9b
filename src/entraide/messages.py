"""The French texts of the endpoint's mails: plain text, residents' words quoted as they typed them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from entraide.categories import category, kind
from entraide.communes import load_communes

if TYPE_CHECKING:
    from entraide.entries import Entry

SIGNATURE = (
    "\n-- \nEntraide, la plateforme d'entraide entre habitants de la Métropole.\n"
    "Ce message a été envoyé automatiquement : n'y répondez pas, sauf indication contraire.\n"
)


def describe(entry: Entry) -> str:
    commune = load_communes().by_code[entry.commune].name
    return f"{kind(entry.kind).label} — {category(entry.category).label} — {commune}"


def _quote(text: str) -> str:
    return "\n".join("> " + line for line in text.splitlines() or [""])


def confirmation_mail(entry: Entry, withdraw_key: str, site_url: str, *, again: bool = False) -> tuple[str, str]:
    """The withdraw key for the author; `again` when the same annonce was sent once more (the key is never re-shown)."""
    if again:
        subject = f"Votre annonce « {entry.title} » était déjà reçue : votre clé de retrait"
        news = (
            "Vous avez envoyé à nouveau une annonce que nous avions déjà reçue : elle n'est pas enregistrée\n"
            "une seconde fois. Voici de nouveau sa clé de retrait.\n\n"
        )
    else:
        subject = f"Votre annonce « {entry.title} » a bien été reçue"
        news = "Votre annonce a bien été reçue. Les modérateurs la relisent avant de la publier.\n\n"
    body = (
        "Bonjour,\n\n"
        f"{news}"
        f"{describe(entry)}\nTitre : {entry.title}\nNuméro de l'annonce : {entry.id}\n"
        f"Elle restera en ligne jusqu'au {entry.expires_on:%d/%m/%Y}.\n\n"
        "Pour retirer votre annonce à tout moment, gardez cette clé de retrait :\n\n"
        f"    {withdraw_key}\n\n"
        f"et saisissez-la avec le numéro de l'annonce sur la page {site_url}/retirer/\n\n"
        "Vos coordonnées ne sont jamais publiées : les personnes intéressées vous écrivent par le site,\n"
        "et leurs messages vous sont transmis par e-mail.\n" + SIGNATURE
    )
    return subject, body


def relay_mail(
    entry: Entry, sender_name: str, message: str, sender_email: str, sender_phone: str, site_url: str
) -> tuple[str, str]:
    """To the author: the visitor's message; answering the mail reaches the visitor (Reply-To)."""
    subject = f"Un message à propos de votre annonce « {entry.title} »"
    how = _how_to_answer(sender_name, sender_email, sender_phone)
    body = (
        "Bonjour,\n\n"
        f"{sender_name} vous écrit à propos de votre annonce « {entry.title} » ({entry.id}) :\n\n"
        f"{_quote(message)}\n\n{how}\n\n"
        "Ne donnez jamais d'argent : l'entraide est gratuite. En cas de doute, signalez l'annonce ou le\n"
        f"message aux modérateurs depuis {site_url}/annonces/{entry.id}/\n" + SIGNATURE
    )
    return subject, body


def relay_by_phone_mail(
    entry: Entry, author_phone: str, sender_name: str, message: str, sender_email: str, sender_phone: str
) -> tuple[str, str]:
    """To the moderators: an author reachable only by phone; an agent calls them with the message."""
    subject = f"À transmettre par téléphone : message pour l'annonce {entry.id}"
    body = (
        "Bonjour,\n\n"
        f"L'auteur de l'annonce « {entry.title} » ({entry.id}, {describe(entry)}) n'a laissé qu'un\n"
        f"numéro de téléphone : {author_phone}\n\n"
        f"Merci de l'appeler pour lui lire ce message de {sender_name} :\n\n{_quote(message)}\n\n"
        f"{_how_to_answer(sender_name, sender_email, sender_phone)}\n\n"
        "Ce numéro est une donnée personnelle : ne le recopiez nulle part ailleurs.\n" + SIGNATURE
    )
    return subject, body


def _how_to_answer(name: str, email: str, phone: str) -> str:
    ways = []
    if email:
        ways.append(f"répondez à cet e-mail (il parviendra à {name})")
    if phone:
        ways.append(f"appelez {name} au {phone}")
    return "Pour répondre : " + " ou ".join(ways) + "."


def report_mail(entry: Entry, reason: str, site_url: str) -> tuple[str, str]:
    subject = f"Signalement de l'annonce {entry.id}"
    body = (
        "Bonjour,\n\n"
        f"Un visiteur signale l'annonce « {entry.title} » ({entry.id}, {describe(entry)}) :\n\n"
        f"{_quote(reason)}\n\n"
        f"L'annonce : {site_url}/annonces/{entry.id}/\n"
        "Voyez le guide de modération pour la marche à suivre.\n" + SIGNATURE
    )
    return subject, body


def followup_mail(entry: Entry, links: dict[str, str], site_url: str) -> tuple[str, str]:
    """To a request's author, days after it was published: did they find help? One link per answer (`links`:
    resolved, taken, renew), each opening a page that asks to confirm."""
    subject = "Avez-vous trouvé de l'aide ?"
    body = (
        "Bonjour,\n\n"
        f"Vous avez publié il y a quelques jours la demande « {entry.title} » ({entry.id},\n"
        f"{describe(entry)}). Avez-vous trouvé de l'aide ?\n\n"
        f"- Oui, c'est résolu : l'annonce quitte le site.\n  {links['resolved']}\n\n"
        f"- Quelqu'un s'en occupe : l'annonce reste visible, marquée « pris en charge ».\n  {links['taken']}\n\n"
        "- J'ai toujours besoin d'aide : l'annonce est prolongée et remise en tête des annonces.\n"
        f"  {links['renew']}\n\n"
        "Chaque lien ouvre une page qui vous demande de confirmer. Ils restent valables 30 jours ; ensuite,\n"
        f"utilisez votre clé de retrait sur la page {site_url}/statut/\n\n"
        "Vous ne recevrez pas d'autre message de ce genre pour cette annonce.\n" + SIGNATURE
    )
    return subject, body
