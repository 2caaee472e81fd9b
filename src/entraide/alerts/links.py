"""Signed links of the alerts' mails: confirm a subscription, change it, end it, without an account.

A link carries a random id (never the address), signed with the endpoint's token secret (entraide.signed):
`c.<pending id>.<expiry>.<signature>` confirms (and stops working at its expiry), `s.<subscription id>.<signature>`
changes or ends a subscription while it runs. A forged or altered link is refused before the store is asked.
"""

from __future__ import annotations

from urllib.parse import quote

from entraide.signed import sign, unsign

CONFIRM = "c"
SUBSCRIPTION = "s"
SIGNED_AS = "alert-link"  # entraide.signed: an alert link opens nothing else


class BadLink(Exception):
    """The link was not made by us, was altered, or has expired; the message says so in French."""


def confirm_token(secret: bytes, pending_id: str, expires_at: float) -> str:
    return sign(secret, SIGNED_AS, CONFIRM, pending_id, str(int(expires_at)))


def subscription_token(secret: bytes, subscription_id: str) -> str:
    return sign(secret, SIGNED_AS, SUBSCRIPTION, subscription_id)


def read_confirm(secret: bytes, token: str, now: float) -> str:
    """The pending id of a confirmation link; BadLink when forged or expired."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != CONFIRM or not parts[2].isdigit() or not unsign(secret, SIGNED_AS, token, 3):
        raise BadLink(_NOT_OURS)
    if int(parts[2]) <= now:
        raise BadLink(
            "Ce lien de confirmation a expiré (il est valable 48 heures) : rien n'a été enregistré. "
            "Inscrivez-vous de nouveau pour recevoir un nouveau lien."
        )
    return parts[1]


def read_subscription(secret: bytes, token: str) -> str:
    """The subscription id of a change or unsubscribe link; BadLink when forged."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != SUBSCRIPTION or not unsign(secret, SIGNED_AS, token, 2):
        raise BadLink(_NOT_OURS)
    return parts[1]


def url(base: str, path: str, token: str) -> str:
    return f"{base}/{path}?t={quote(token, safe='')}"


_NOT_OURS = (
    "Ce lien n'est pas valable : il a pu être coupé ou modifié. Copiez-le en entier depuis l'e-mail reçu "
    "(rien n'a été modifié)."
)
