"""Signed links of the alerts' mails: confirm a subscription, change it, end it, without an account.

A link carries a random id (never the address) and an HMAC-SHA256 signature with the endpoint's token secret:
`c.<pending id>.<expiry>.<signature>` confirms (and stops working at its expiry), `s.<subscription id>.<signature>`
changes or ends a subscription while it runs. A forged or altered link is refused before the store is asked.
"""

from __future__ import annotations

import base64
import hmac
from urllib.parse import quote

CONFIRM = "c"
SUBSCRIPTION = "s"


class BadLink(Exception):
    """The link was not made by us, was altered, or has expired; the message says so in French."""


def confirm_token(secret: bytes, pending_id: str, expires_at: float) -> str:
    body = f"{CONFIRM}.{pending_id}.{int(expires_at)}"
    return f"{body}.{_sign(secret, body)}"


def subscription_token(secret: bytes, subscription_id: str) -> str:
    body = f"{SUBSCRIPTION}.{subscription_id}"
    return f"{body}.{_sign(secret, body)}"


def read_confirm(secret: bytes, token: str, now: float) -> str:
    """The pending id of a confirmation link; BadLink when forged or expired."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != CONFIRM or not parts[2].isdigit():
        raise BadLink(_NOT_OURS)
    _check(secret, token)
    if int(parts[2]) <= now:
        raise BadLink(
            "Ce lien de confirmation a expiré (il est valable 48 heures) : rien n'a été enregistré. "
            "Inscrivez-vous de nouveau pour recevoir un nouveau lien."
        )
    return parts[1]


def read_subscription(secret: bytes, token: str) -> str:
    """The subscription id of a change or unsubscribe link; BadLink when forged."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != SUBSCRIPTION:
        raise BadLink(_NOT_OURS)
    _check(secret, token)
    return parts[1]


def url(base: str, path: str, token: str) -> str:
    return f"{base}/{path}?t={quote(token, safe='')}"


_NOT_OURS = (
    "Ce lien n'est pas valable : il a pu être coupé ou modifié. Copiez-le en entier depuis l'e-mail reçu "
    "(rien n'a été modifié)."
)


def _check(secret: bytes, token: str) -> None:
    body, _, signature = token.rpartition(".")
    if not hmac.compare_digest(signature, _sign(secret, body)):
        raise BadLink(_NOT_OURS)


def _sign(secret: bytes, body: str) -> str:
    mac = hmac.new(secret, f"alerts|{body}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()
