"""The alerts' pages: subscribe (/alertes), confirm, change the choices, unsubscribe (RFC 8058 one-click POST).

Every page is plain HTML that works without JavaScript; a confirmation or an unsubscription is a POST (a button,
or the mail client's one-click request), never a GET, so that a link scanner opening the mail's links changes
nothing. A refused request stores nothing and sends nothing: checks first, then the store, then the mail.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, parse_qsl

from entraide import forms
from entraide.alerts import links
from entraide.alerts.choices import as_form_values, read_address, read_choices
from entraide.alerts.mails import confirmation_mail, describe_choices
from entraide.endpoint.http import BadRequest, Request, Response
from entraide.endpoint.ratelimit import client_of
from entraide.schema import Problem
from entraide.sealing import Contact
from entraide.store import Choices, Subscription

if TYPE_CHECKING:
    from entraide.endpoint.app import App

log = logging.getLogger("entraide.endpoint")

CONFIRM_SECONDS = 48 * 3600
SUBSCRIBE_PER_CLIENT_PER_HOUR = 10
SUBSCRIBE_PER_ADDRESS_PER_DAY = 3
INVALID = "Votre inscription n'a pas pu être enregistrée : corrigez les champs signalés."
DEFAULT_VALUES = {"kinds": tuple(choice.value for choice in forms.ALERTS["kinds"].choices), "frequency": "daily"}


# /alertes


def subscribe_form(app: App, request: Request) -> Response:
    """The form, pre-filled with the commune or category of the page that links to it (?commune=, ?categorie=)."""
    query = parse_qs(request.environ.get("QUERY_STRING", ""))
    values: dict[str, object] = dict(DEFAULT_VALUES)
    known_communes = {choice.value for choice in forms.ALERTS["communes"].choices}
    known_categories = {choice.value for choice in forms.ALERTS["categories"].choices}
    values["communes"] = tuple(code for code in query.get("commune", ()) if code in known_communes)
    values["categories"] = tuple(key for key in query.get("categorie", ()) if key in known_categories)
    return _form_page(app, values, {})


def subscribe(app: App, request: Request) -> Response:
    sent = _fields(request)
    address, problems = read_address(sent)
    choices, choice_problems = read_choices(sent)
    problems += choice_problems
    if sent.get(forms.HONEYPOT.name, [""])[0]:
        problems.append(Problem(forms.HONEYPOT.name, "doit rester vide"))
    if problems:
        return _form_page(app, _shown(sent), _by_field(problems), status=400, notice=INVALID)
    now = app.clock()
    if wait := _limited(app, request, address, now):
        return _message(
            app,
            "Trop de demandes",
            f"Trop de demandes d'inscription en peu de temps : réessayez dans {wait // 60 + 1} minutes. "
            "Rien n'a été enregistré ni envoyé.",
            status=429,
            headers={"Retry-After": str(wait)},
        )
    address_hash = app.keys.fingerprint(Contact(email=address))
    sealed = app.keys.seal(Contact(email=address))
    pending_id = app.store.subscriptions.ask(address_hash, sealed, choices, now, CONFIRM_SECONDS)
    if pending_id is None:
        until = app.store.subscriptions.pending_until(address_hash, now) or now
        return _message(
            app,
            "Confirmation déjà envoyée",
            "Un e-mail de confirmation a déjà été envoyé à cette adresse : ouvrez-le et suivez son lien (il reste "
            f"valable jusqu'au {_local(app, until):%d/%m/%Y à %H:%M}). Rien n'a été renvoyé ; passé ce délai, "
            "vous pourrez vous inscrire de nouveau.",
            status=409,
        )
    return _send_confirmation(app, pending_id, address, choices, now)


def _send_confirmation(app: App, pending_id: str, address: str, choices: Choices, now: float) -> Response:
    from entraide.mail import MailUnavailable

    expires = now + CONFIRM_SECONDS
    url = links.url(app.config.endpoint_url, "alertes/confirmer", links.confirm_token(app.secret, pending_id, expires))
    subject, body = confirmation_mail(choices, url, _local(app, expires))
    try:
        app.send_mail(address, subject, body)
    except MailUnavailable:
        app.store.subscriptions.drop_pending(pending_id)  # nothing kept: the resident can try again at once
        return _message(
            app,
            "Envoi impossible pour le moment",
            "L'e-mail de confirmation n'a pas pu partir : rien n'a été enregistré. Réessayez dans quelques minutes.",
            status=503,
            headers={"Retry-After": "300"},
        )
    return _message(
        app,
        "Vérifiez votre boîte aux lettres",
        "Un e-mail de confirmation vient de partir. Ouvrez-le et suivez son lien dans les 48 heures : sans "
        "confirmation, vous ne recevrez rien. Pensez à regarder dans les courriers indésirables.",
    )


def _limited(app: App, request: Request, address: str, now: float) -> int:
    """Seconds to wait when this client or this address asked too often (both counted in the store, hashed)."""
    return app.limits.wait_for(
        "alerts-client", client_of(request.client_ip), SUBSCRIBE_PER_CLIENT_PER_HOUR, now, 3600
    ) or app.limits.wait_for("alerts-address", address.lower(), SUBSCRIBE_PER_ADDRESS_PER_DAY, now, 86400)


# /alertes/confirmer


def confirm_page(app: App, request: Request) -> Response:
    token = _token(request)
    try:
        links.read_confirm(app.secret, token, app.clock())
    except links.BadLink as bad:
        return _message(app, "Lien non valable", str(bad), status=400)
    return Response.html(app.pages.render("alert_confirm.html", title="Confirmer mon inscription"))


def confirm(app: App, request: Request) -> Response:
    now = app.clock()
    try:
        pending_id = links.read_confirm(app.secret, _token(request), now)
    except links.BadLink as bad:
        return _message(app, "Lien non valable", str(bad), status=400)
    subscription = app.store.subscriptions.confirm(pending_id, now, app.config.alerts_duration_days * 86400)
    if subscription is None:
        return _message(
            app,
            "Lien déjà utilisé",
            "Ce lien de confirmation a déjà servi ou n'est plus valable : rien n'a été modifié. Si vous n'êtes pas "
            "inscrit, inscrivez-vous de nouveau.",
            status=404,
        )
    token = links.subscription_token(app.secret, subscription.subscription_id)
    return Response.html(
        app.pages.render(
            "alert_done.html",
            title="Inscription confirmée",
            text="Vous recevrez les nouvelles annonces qui correspondent à vos choix :",
            lines=describe_choices(subscription.choices),
            ends=_local(app, subscription.expires_at),
            change_url=links.url(app.config.endpoint_url, "alertes/choix", token),
            unsubscribe_url=links.url(app.config.endpoint_url, "alertes/desabonner", token),
        )
    )


# /alertes/choix


def change_page(app: App, request: Request) -> Response:
    found = _subscription(app, request)
    if isinstance(found, Response):
        return found
    return _change_page(app, as_form_values(found.choices), {}, _local(app, found.expires_at))


def change(app: App, request: Request) -> Response:
    found = _subscription(app, request)
    if isinstance(found, Response):
        return found
    sent = _fields(request)
    choices, problems = read_choices(sent)
    if problems:
        return _change_page(
            app, _shown(sent), _by_field(problems), _local(app, found.expires_at), status=400, notice=INVALID
        )
    now = app.clock()
    duration = app.config.alerts_duration_days * 86400
    if not app.store.subscriptions.change(found.subscription_id, choices, now, duration):
        return _ended(app)
    return Response.html(
        app.pages.render(
            "alert_done.html",
            title="Choix enregistrés",
            text="Vos alertes sont à jour. Vous recevrez les nouvelles annonces qui correspondent à vos choix :",
            lines=describe_choices(choices),
            ends=_local(app, now + duration),
            change_url="",
            unsubscribe_url="",
        )
    )


# /alertes/desabonner


def unsubscribe_page(app: App, request: Request) -> Response:
    found = _subscription(app, request)
    if isinstance(found, Response):
        return found
    return Response.html(app.pages.render("alert_unsubscribe.html", title="Me désabonner"))


def unsubscribe(app: App, request: Request) -> Response:
    """The button of the page, or a mail client's one-click POST (RFC 8058: `List-Unsubscribe=One-Click`)."""
    try:
        subscription_id = links.read_subscription(app.secret, _token(request))
    except links.BadLink as bad:
        return _message(app, "Lien non valable", str(bad), status=400)
    if not app.store.subscriptions.cancel(subscription_id):
        return _ended(app)
    return _message(app, "Désabonnement effectué", "Vous ne recevrez plus aucune alerte. Votre adresse est effacée.")


# Shared pieces


def _subscription(app: App, request: Request) -> Subscription | Response:
    """The running subscription a signed link names, or the page that says why there is none."""
    try:
        subscription_id = links.read_subscription(app.secret, _token(request))
    except links.BadLink as bad:
        return _message(app, "Lien non valable", str(bad), status=400)
    return app.store.subscriptions.get(subscription_id, app.clock()) or _ended(app)


def _ended(app: App) -> Response:
    return _message(
        app,
        "Abonnement introuvable",
        "Aucun abonnement ne correspond à ce lien : il est déjà terminé (désabonnement, ou fin de sa durée). "
        "Vous ne recevrez plus rien ; pour recevoir de nouveau des alertes, inscrivez-vous.",
        status=404,
    )


def _token(request: Request) -> str:
    values = parse_qs(request.environ.get("QUERY_STRING", "")).get("t", [""])
    return values[0] if len(values) == 1 else ""


def _fields(request: Request) -> dict[str, list[str]]:
    """The form's fields, each a list: checkboxes send one value per box ticked."""
    try:
        pairs = parse_qsl(request.body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as error:
        raise BadRequest("le texte envoyé n'est pas encodé en UTF-8 : renvoyez le formulaire depuis le site") from error
    fields: dict[str, list[str]] = {}
    for key, value in pairs:
        fields.setdefault(key, []).append(value)
    return fields


def _shown(sent: dict[str, list[str]]) -> dict[str, object]:
    """What was sent, as the form shows it again: lists for the boxes, text for the rest."""
    many = {"communes", "categories", "kinds"}
    return {key: tuple(values) if key in many else values[0] for key, values in sent.items() if values}


def _form_page(
    app: App, values: dict[str, object], errors: dict[str, str], status: int = 200, notice: str = ""
) -> Response:
    return _page(app, "alerts.html", forms.ALERTS, values, errors, status, notice)


def _change_page(
    app: App,
    values: dict[str, object],
    errors: dict[str, str],
    ends: dt.datetime,
    status: int = 200,
    notice: str = "",
) -> Response:
    return _page(app, "alert_change.html", forms.ALERT_CHANGE, values, errors, status, notice, ends=ends)


def _page(
    app: App,
    template: str,
    form: object,
    values: dict[str, object],
    errors: dict[str, str],
    status: int,
    notice: str,
    **extra: object,
) -> Response:
    """A subscription form, blank or filled again with what was sent and what to fix."""
    page = app.pages.render(
        template,
        form=form,
        fields=values,
        errors=errors,
        notice=notice,
        duration_days=app.config.alerts_duration_days,
        **extra,
    )
    return Response.html(page, status=status)


def _message(app: App, title: str, text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    page = app.pages.render("message.html", title=title, text=text, notice=text if status >= 400 else "")
    return Response.html(page, status=status, headers=headers)


def _by_field(problems: Sequence[Problem]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in problems:
        errors.setdefault(problem.key, problem.message)
    return errors


def _local(app: App, moment: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(moment, app.timezone)


ROUTES = {
    "/alertes": {"GET": subscribe_form, "POST": subscribe},
    "/alertes/confirmer": {"GET": confirm_page, "POST": confirm},
    "/alertes/choix": {"GET": change_page, "POST": change},
    "/alertes/desabonner": {"GET": unsubscribe_page, "POST": unsubscribe},
}
