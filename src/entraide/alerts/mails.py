"""The alerts' French mails: the confirmation, and the digest in plain text and HTML.

The HTML part is made of our own markup and the entries' public fields escaped (a title holding `<script>` or
`{{ }}` reads as typed); it loads nothing (no image, no remote style, no tracking), links only to the site and
to the endpoint's signed pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from entraide.categories import category, kind
from entraide.communes import load_communes
from entraide.forms import ALERT_FREQUENCIES
from entraide.messages import SIGNATURE
from entraide.store import Choices, SeenEntry


def describe_choices(choices: Choices) -> list[str]:
    """The choices as lines a subscriber recognises."""
    communes = load_communes().by_code
    where = ", ".join(communes[code].name for code in choices.communes) or "toute la Métropole"
    what = ", ".join(category(key).label for key in choices.categories) or "toutes"
    kinds = " et ".join(kind(key).plural.lower() for key in choices.kinds) if choices.kinds else "offres et demandes"
    frequency = next((f.label for f in ALERT_FREQUENCIES if f.value == choices.frequency), choices.frequency)
    return [f"Communes : {where}", f"Catégories : {what}", f"Annonces : {kinds}", f"Fréquence : {frequency.lower()}"]


def confirmation_mail(choices: Choices, confirm_url: str, expires: dt.datetime) -> tuple[str, str]:
    subject = "Confirmez votre abonnement aux alertes Entraide"
    body = (
        "Bonjour,\n\n"
        "Quelqu'un, sans doute vous, a demandé à recevoir par e-mail les nouvelles annonces d'Entraide :\n\n"
        + "".join(f"    {line}\n" for line in describe_choices(choices))
        + f"\nPour confirmer, ouvrez ce lien avant le {expires:%d/%m/%Y à %H:%M} :\n\n    {confirm_url}\n\n"
        "Sans confirmation, vous ne recevrez rien et cette demande sera effacée. Si vous n'avez rien demandé,\n"
        "ignorez ce message.\n" + SIGNATURE
    )
    return subject, body


def digest_subject(entries: Sequence[SeenEntry]) -> str:
    if len(entries) == 1:
        return f"Nouvelle annonce près de chez vous : {entries[0].title}"
    return f"{len(entries)} nouvelles annonces près de chez vous"


def digest_mail(
    entries: Sequence[SeenEntry],
    limit: int,
    more_url: str,
    site_url: str,
    change_url: str,
    unsubscribe_url: str,
    ends: dt.date,
) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a digest listing at most `limit` entries, then « et X autres »."""
    shown, hidden = entries[:limit], len(entries) - len(entries[:limit])
    more = f"et {hidden} autre{'s' if hidden > 1 else ''}" if hidden else ""
    text_entries = "".join(f"- {e.title}\n  {_line(e)}\n  {site_url}{e.url}\n\n" for e in shown)
    text = (
        "Bonjour,\n\nDe nouvelles annonces correspondent à vos alertes :\n\n"
        + text_entries
        + (f"… {more} : {more_url}\n\n" if more else "")
        + _footer_text(change_url, unsubscribe_url, ends)
    )
    html_entries = "".join(
        f'<li><a href="{escape(site_url + e.url)}">{escape(e.title)}</a><br>{escape(_line(e))}</li>' for e in shown
    )
    html = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Entraide</title></head><body>'
        "<p>Bonjour,</p><p>De nouvelles annonces correspondent à vos alertes :</p>"
        f"<ul>{html_entries}</ul>"
        + (f'<p>… <a href="{escape(more_url)}">{more}</a></p>' if more else "")
        + f"<p>Votre abonnement prend fin le {ends:%d/%m/%Y}. "
        f'<a href="{escape(change_url)}">Changer mes choix ou prolonger l\'abonnement</a> · '
        f'<a href="{escape(unsubscribe_url)}">Me désabonner</a></p>'
        "<p>Entraide, la plateforme d'entraide entre habitants de la Métropole. L'entraide est gratuite : "
        "ne donnez jamais d'argent.</p></body></html>"
    )
    return digest_subject(entries), text, html


def _line(entry: SeenEntry) -> str:
    commune = load_communes().by_code[entry.commune].name
    return f"{kind(entry.kind).label} — {category(entry.category).label} — {commune}"


def _footer_text(change_url: str, unsubscribe_url: str, ends: dt.date) -> str:
    return (
        f"Votre abonnement prend fin le {ends:%d/%m/%Y}. Pour le prolonger ou changer vos choix :\n"
        f"    {change_url}\n"
        f"Pour ne plus rien recevoir :\n    {unsubscribe_url}\n\n"
        "L'entraide est gratuite : ne donnez jamais d'argent.\n" + SIGNATURE
    )
