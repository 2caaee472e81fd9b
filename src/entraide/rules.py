"""Content rules on public text: contact details are refused, payment mentions are flagged.

Help is free and contacts stay private: the endpoint refuses public text that holds an email, a phone
number or a link, and flags payment mentions for the moderators, who decide (reimbursing groceries
is normal, asking to be paid is not). `entraide check` applies the same rules to entry files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from entraide.schema import Problem

PUBLIC_TEXT_KEYS = ("title", "description", "name", "availability")

# (what, sign, pattern). The build checks every entry, so each pattern fails fast: a quick `sign` that
# every match holds, or a lookahead on how a match starts, spares most texts or most positions the whole
# pattern. What they match is what the plain patterns matched.
_CONTACT_PATTERNS = (
    (
        "une adresse e-mail",
        re.compile(r"@|\(at\)|\[at\]|arobase", re.I),  # in every address: most texts stop here
        re.compile(r"[\w.+-]+\s*(?:@|\(at\)|\[at\]|\barobase\b)\s*[\w-]+(?:\.[\w-]+)+", re.I),
    ),
    (
        "un numéro de téléphone",
        None,
        re.compile(
            r"(?=[+0])(?:(?:\+|00)\s*33\s*\(?0?\)?\s*[1-9](?:[\s.\-/]*\d{2}){4}"
            r"|(?<![\d])0\s*[1-9](?:[\s.\-/]*\d{2}){4}(?!\d))"
        ),
    ),
    (
        "un lien",
        re.compile(r"://|www\.|\.(?:fr|com|net|org|eu|io|info|me|ly)\b", re.I),  # in every link
        re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:fr|com|net|org|eu|io|info|me|ly|gouv\.fr)\b(?:/\S*)?", re.I),
    ),
)

# Words about money, each opening on a plain letter: the pattern below starts on those letters.
_PAYMENT_WORDS = (
    r"euros?\b",
    r"tarifs?\b",
    r"tarifaire",
    r"r[ée]mun[ée]r",
    r"payant",
    r"payer\b",
    r"pay[ée]e?s?\b",
    r"paiement",
    r"prix\b",
    r"factur",
    r"cesu\b",
    r"argent\b",
    r"d[ée]dommag",
    r"contre\s+(?:un\s+)?(?:petit\s+)?(?:billet|pourboire|participation)",
    r"pourboire",
    r"participation\s+financi[èe]re",
)
_PAYMENT_FIRST = "€\\d" + "".join(sorted({word[0] for word in _PAYMENT_WORDS}))
_PAYMENT = re.compile(
    rf"(?=[{_PAYMENT_FIRST}])(?:€|\d\s*eur\b|\d+\s*(?:€|e|eur|euros?)?\s*(?:/|de\s+l'|par\s+)\s*h(?:eure)?\b"
    rf"|\b(?:{'|'.join(_PAYMENT_WORDS)}))",
    re.I,
)


@dataclass(frozen=True)
class Flag:
    """Something moderators should look at; it does not stop an entry."""

    code: str
    label: str
    key: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.label} ({self.key} : « {self.excerpt} »)"


FLAG_LABELS = {
    "payment": "Mention de paiement",
    "duplicate": "Doublon possible",
}


def contact_problems(fields: Mapping[str, Any]) -> list[Problem]:
    """Public text holding a way to reach someone: refused, since the site never publishes contacts."""
    problems = []
    for key in PUBLIC_TEXT_KEYS:
        text = fields.get(key)
        if found := contact_details(text) if isinstance(text, str) else []:
            problems.append(
                Problem(
                    key,
                    f"contient {' et '.join(found)} : retirez-les, le site ne publie jamais "
                    "de coordonnées ; indiquez-les dans les champs privés « e-mail » ou "
                    "« téléphone »",
                )
            )
    return problems


def contact_details(text: str) -> list[str]:
    """The kinds of contact details the text holds, in French ("une adresse e-mail", "un lien"...)."""
    found = []
    for what, sign, pattern in _CONTACT_PATTERNS:
        if (sign is None or sign.search(text)) and pattern.search(text):
            found.append(what)
            text = pattern.sub(" ", text)  # an email address is not also reported as a link
    return found


def relay_message_problems(fields: Mapping[str, Any]) -> list[Problem]:
    """A message relayed to an author carries no link and no contact details: the sender's own go in their fields."""
    found = contact_details(fields.get("message", "") or "")
    if not found:
        return []
    return [
        Problem(
            "message",
            f"contient {' et '.join(found)} : retirez-les. Pour être recontacté, indiquez votre adresse e-mail "
            "ou votre téléphone dans les champs prévus ; les liens et les coordonnées d'autres personnes ne sont "
            "pas transmis",
        )
    ]


def payment_flags(fields: Mapping[str, Any]) -> list[Flag]:
    """Mentions of money in public text, each with the words that triggered it."""
    flags = []
    for key in PUBLIC_TEXT_KEYS:
        text = fields.get(key)
        if isinstance(text, str) and (match := _PAYMENT.search(text)):
            flags.append(Flag("payment", FLAG_LABELS["payment"], key, _excerpt(text, match)))
    return flags


def _excerpt(text: str, match: re.Match[str], around: int = 30) -> str:
    start, end = max(0, match.start() - around), min(len(text), match.end() + around)
    snippet = " ".join(text[start:end].split())
    return ("…" if start else "") + snippet + ("…" if end < len(text) else "")
