"""Signed form tokens: the proof, for a static page, that a form was shown some seconds before it was sent.

A token is `<purpose>.<issued unix time>.<nonce>.<signature>`; the signature (HMAC-SHA256 with the
endpoint's token secret) also covers a digest of the previewed fields for the no-JavaScript preview,
so the confirmed entry is exactly the one the resident read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

FORM = "form"  # fetched by the enhanced form from GET /token
PREVIEW = "preview"  # carried by the confirm button of the "Vérifiez votre annonce" page


class TokenProblem(Exception):
    """The token is missing, forged, too fresh or too old; the message says what to do, in French."""


class TooSoon(TokenProblem):
    """Sent before the minimum fill time: the same token will do after a few seconds."""


def issue(secret: bytes, purpose: str, now: float, fields: Mapping[str, str] | None = None) -> str:
    issued, nonce = str(int(now)), secrets.token_urlsafe(9)
    return f"{purpose}.{issued}.{nonce}.{_sign(secret, purpose, issued, nonce, fields)}"


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
    _, issued, nonce, signature = parts
    if not hmac.compare_digest(signature, _sign(secret, purpose, issued, nonce, fields)):
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


def _sign(secret: bytes, purpose: str, issued: str, nonce: str, fields: Mapping[str, str] | None) -> str:
    digest = "" if fields is None else hashlib.sha256(json.dumps(dict(sorted(fields.items()))).encode()).hexdigest()
    mac = hmac.new(secret, f"{purpose}|{issued}|{nonce}|{digest}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()
