"""Signed form tokens: the proof, for a static page, that a form was shown some seconds before it was sent.

A token is `<purpose>.<issued unix time>.<nonce>.<signature>` (entraide.signed); for the no-JavaScript preview
the signature also covers a digest of the previewed fields, so the confirmed entry is exactly the one the
resident read.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping

from entraide.signed import sign, unsign

SIGNED_AS = "form-token"
FORM = "form"  # fetched by the enhanced form from GET /token
PREVIEW = "preview"  # carried by the confirm button of the "Vérifiez votre annonce" page


class TokenProblem(Exception):
    """The token is missing, forged, too fresh or too old; the message says what to do, in French."""


class TooSoon(TokenProblem):
    """Sent before the minimum fill time: the same token will do after a few seconds."""


def issue(secret: bytes, purpose: str, now: float, fields: Mapping[str, str] | None = None) -> str:
    return sign(secret, SIGNED_AS, purpose, str(int(now)), secrets.token_urlsafe(9), context=_digest(fields))


def verify(
    token: str,
    secret: bytes,
    purpose: str,
    now: float,
    *,
    min_age: int,
    max_age: int,
    fields: Mapping[str, str] | None = None,
) -> None:
    """Raise TokenProblem unless the token is ours, for this purpose (and these fields), and of the right age."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != purpose or not parts[1].isdigit():
        raise TokenProblem("jeton de formulaire absent ou illisible : rechargez la page du formulaire")
    issued = parts[1]
    if unsign(secret, SIGNED_AS, token, 3, context=_digest(fields)) is None:
        if fields is not None:
            raise TokenProblem("l'annonce a changé depuis l'aperçu : relisez-la et confirmez de nouveau")
        raise TokenProblem("jeton de formulaire non valable : rechargez la page du formulaire")
    age = now - int(issued)
    if age < min_age:
        raise TooSoon(
            f"envoyé trop vite : prenez le temps de relire (au moins {min_age} secondes), puis envoyez de nouveau"
        )
    if age > max_age:
        raise TokenProblem("le formulaire est ouvert depuis trop longtemps : rechargez la page et renvoyez-le")


def _digest(fields: Mapping[str, str] | None) -> str:
    """What a preview token is bound to: the fields the resident read ("" for a form token)."""
    return "" if fields is None else hashlib.sha256(json.dumps(dict(sorted(fields.items()))).encode()).hexdigest()
