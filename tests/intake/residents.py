"""What the intake's residents send: an offer leaving a phone number, no e-mail (no mail to send); each test
gives it its own title."""

from __future__ import annotations

FORM = {
    "kind": "offer",
    "category": "groceries",
    "commune": "38229",
    "description": "Je passe au marché le samedi matin et je dépose les sacs devant votre porte.",
    "name": "Léa",
    "phone": "06 12 34 56 78",
    "consent": "on",
}
