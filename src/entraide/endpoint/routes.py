"""The endpoint's routes: each turns a request into a response, in JSON or in French HTML pages.

A route validates everything before it asks the backend or the mail server to do anything, so a refused
request writes nothing. JSON answers: `{"message": ..., "errors": {field: message}}` on error.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from entraide import forms, submission
from entraide.backends import ForgeUnavailable
from entraide.endpoint import alerts, tokens
from entraide.endpoint.http import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Request,
    Response,
    ServiceUnavailable,
    TooManyRequests,
)
from entraide.endpoint.ratelimit import client_of
from entraide.entries import RESOLVED, TAKEN
from entraide.rules import relay_message_problems
from entraide.schema import Problem
from entraide.sealing import Contact, SealingError, withdraw_key_matches
from entraide.status import STATUSES, STILL_NEEDED, LinkProblem, change_status, status_label, verify_link
from entraide.store import StoreUnavailable

if TYPE_CHECKING:
    from entraide.endpoint.app import App
    from entraide.entries import Entry

log = logging.getLogger("entraide.endpoint")

HONEYPOT = forms.HONEYPOT.name
CONTROL_FIELDS = (HONEYPOT, forms.FORM_TOKEN.name, "confirm_token", "edit")
INVALID = "Votre envoi n'a pas pu être accepté : corrigez les champs signalés."
STORE_UNAVAILABLE = (
    "Le service est momentanément indisponible : rien n'a été enregistré. Réessayez dans quelques instants ; "
    "ce que vous avez tapé est conservé."
)
ALREADY_RECEIVED = (
    "Cette annonce est déjà reçue : elle n'est pas enregistrée une seconde fois. Sa clé de retrait n'est pas "
    "affichée de nouveau ; si vous avez donné une adresse e-mail, nous vous la renvoyons."
)


def home(app: App, request: Request) -> Response:
    """Someone who types the endpoint's address: say what it is and where the site is, rather than a 404."""
    return Response.html(app.pages.render("home.html"))


def health(app: App, request: Request) -> Response:
    """For a load balancer or a monitor: the store answers, and how long the oldest queued entry has waited."""
    now = app.clock()
    stats = app.store.queue.stats(now)  # StoreUnavailable: 503, like every request that needs the store
    queue = {"waiting": stats.waiting, "failed": stats.failed, "oldest_seconds": round(stats.oldest_age(now))}
    return Response.json({"status": "ok", "backend": app.config.backend, "store": "ok", "queue": queue})


def token(app: App, request: Request) -> Response:
    """A signed time token for the enhanced form, fetched when the form is shown."""
    issued = tokens.issue(app.secret, tokens.FORM, app.clock())
    return Response.json(
        {"token": issued, "min_fill_seconds": app.config.min_fill_seconds}, headers={"Cache-Control": "no-store"}
    )


# /submit


def submit(app: App, request: Request) -> Response:
    form = request.form()
    _refuse_honeypot(form)
    fields = {key: value for key, value in form.items() if key not in CONTROL_FIELDS}
    if request.media_type == "application/json":
        return _submit_json(app, request, form, fields)
    return _submit_html(app, request, form, fields)


def _submit_json(app: App, request: Request, form: dict[str, Any], fields: dict[str, Any]) -> Response:
    token = form.get("form_token")
    if app.config.min_fill_seconds:
        _check_token(app, token, tokens.FORM, None)
    result = app.intake.check(fields)
    if isinstance(result, list):
        return _invalid_json(result)
    entry = result.entry
    if not _hand_over(app, request, result, token if app.config.min_fill_seconds else None):
        return Response.json({"id": entry.id, "status": "already_received", "message": ALREADY_RECEIVED})
    return Response.json(
        {
            "id": entry.id,
            "withdraw_key": result.withdraw_key,
            "status": "pending",
            "expires": entry.expires,
            "message": "Merci ! Votre annonce est bien reçue. Les modérateurs la reliront avant de la "
            "publier. Gardez votre clé de retrait : elle ne sera plus affichée.",
        },
        status=201,
    )


def _submit_html(app: App, request: Request, form: dict[str, Any], fields: dict[str, Any]) -> Response:
    pages = app.pages
    if form.get("edit"):
        return Response.html(pages.render("form.html", fields=fields, errors={}))
    result = app.intake.check(fields)
    if isinstance(result, list):
        return Response.html(pages.render("form.html", fields=fields, errors=_by_field(result)), status=400)
    confirm = form.get("confirm_token")
    if not confirm:
        return _preview(app, fields, result, status=200)
    try:
        _verify_token(app, confirm, tokens.PREVIEW, fields)
    except tokens.TokenProblem as problem:
        same_token = confirm if isinstance(problem, tokens.TooSoon) else None
        return _preview(app, fields, result, status=400, notice=str(problem), token=same_token)
    try:
        new = _hand_over(app, request, result, confirm)
    except ServiceUnavailable as error:
        return _preview(app, fields, result, status=503, notice=error.message, headers=error.headers)
    except BadRequest as spent:
        return _preview(app, fields, result, status=400, notice=spent.message)
    if not new:
        return Response.html(pages.render("message.html", title="Annonce déjà reçue", text=ALREADY_RECEIVED))
    return Response.html(
        pages.render(
            "thanks.html", entry=result.entry, withdraw_key=result.withdraw_key, email=bool(result.contact.email)
        )
    )


def _preview(
    app: App,
    fields: dict[str, str],
    result: submission.Submission,
    *,
    status: int,
    notice: str = "",
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    token = token or tokens.issue(app.secret, tokens.PREVIEW, app.clock(), fields=fields)
    page = app.pages.render(
        "preview.html", fields=fields, entry=result.entry, flags=result.flags, notice=notice, confirm_token=token
    )
    return Response.html(page, status=status, headers=headers)


def _hand_over(app: App, request: Request, result: submission.Submission, token: str | None) -> bool:
    """Spend the form's token, queue the entry (the intake mails the key) and start publishing; False when it
    was received already. The store unreachable: 503, nothing written, the resident's form kept."""
    request.entry_id = result.entry.id
    try:
        if not _spend_token(app, token, result):
            message = "ce formulaire a déjà servi à envoyer une autre annonce : rechargez la page"
            raise BadRequest(message[0].upper() + message[1:] + ".", problems={"form_token": message})
        receipt = app.intake.file_checked(result)
    except StoreUnavailable as error:
        raise ServiceUnavailable(STORE_UNAVAILABLE, headers={"Retry-After": str(error.retry_after)}) from error
    if receipt.new:
        app.publish_soon()
    return receipt.new


def _spend_token(app: App, token: Any, result: submission.Submission) -> bool:
    """A form token files one entry: sent again it is accepted for that entry (a retry), refused for another."""
    nonce = token.split(".")[2] if isinstance(token, str) and token.count(".") == 3 else ""
    if not nonce:
        return True  # no token asked for (ENTRAIDE_MIN_FILL_SECONDS=0); a forged one was refused before
    first = app.store.idempotency.remember(
        "token:" + nonce, result.idempotency_key, app.clock(), app.config.form_token_max_age_seconds
    )
    return first is None or first == result.idempotency_key


def _refuse_honeypot(form: dict[str, Any]) -> None:
    if form.get(HONEYPOT):
        raise BadRequest(
            "Le champ « Site web » doit rester vide : il sert à écarter les robots.",
            problems={HONEYPOT: "doit rester vide"},
        )


def _check_token(app: App, value: Any, purpose: str, fields: dict[str, str] | None) -> None:
    try:
        _verify_token(app, value, purpose, fields)
    except tokens.TokenProblem as problem:
        message = str(problem)
        raise BadRequest(message[0].upper() + message[1:] + ".", problems={"form_token": message}) from problem


def _verify_token(app: App, value: Any, purpose: str, fields: dict[str, str] | None) -> None:
    tokens.verify(
        value if isinstance(value, str) else "",
        app.secret,
        purpose,
        app.clock(),
        min_age=app.config.min_fill_seconds,
        max_age=app.config.form_token_max_age_seconds,
        fields=fields,
    )


# /contact, /withdraw, /report: small forms sharing one shape


def contact(app: App, request: Request) -> Response:
    fields, entry = _small_form(
        app, request, "contact.html", forms.CONTACT, extra=_contact_form_problems, published=True
    )
    request.entry_id = entry.id
    _relay(app, entry, fields)
    text = f"Votre message a été transmis à {entry.name}, qui vous répondra directement s'il le souhaite."
    return _done(app, request, "Message envoyé", text)


def withdraw(app: App, request: Request) -> Response:
    fields, entry = _small_form(app, request, "withdraw.html", forms.WITHDRAW, queued=True)
    request.entry_id = entry.id
    _check_key(fields["key"], entry)
    if not app.intake.withdraw_queued(entry.id):  # still queued: gone before any moderator saw it
        _ask_backend(app.backend.withdraw, entry)
    return _done(
        app,
        request,
        "Annonce retirée",
        f"Votre annonce « {entry.title} » est retirée : elle disparaît du site à sa prochaine mise à jour.",
    )


def _check_key(key: str, entry: Entry) -> None:
    if not withdraw_key_matches(key, entry.withdraw_key_hash):
        raise Forbidden(
            "Cette clé de retrait ne correspond pas à cette annonce : vérifiez-la dans l'e-mail ou la "
            "page reçus lors de l'envoi.",
            problems={"key": "clé de retrait incorrecte"},
        )


# /status (the withdraw key) and /followup (the follow-up mail's signed links): the author changes the status


def status(app: App, request: Request) -> Response:
    fields, entry = _small_form(app, request, "status_form.html", forms.STATUS, extra=_status_problems, published=True)
    request.entry_id = entry.id
    _check_key(fields["key"], entry)
    return _change_status(app, request, entry, fields["status"])


def _status_problems(fields: dict[str, str]) -> list[Problem]:
    if fields.get("status") and fields["status"] not in STATUSES:
        return [Problem("status", "choisissez l'une des réponses proposées")]
    return []


def followup(app: App, request: Request) -> Response:
    """GET: what the link will do, and a button to confirm it (mail scanners open links: they must change
    nothing); POST: done. A forged or expired link: a French page, nothing changed."""
    token = (request.form() if request.method == "POST" else request.query()).get("t", "")
    try:
        entry_id, choice = verify_link(token if isinstance(token, str) else "", app.secret, app.clock())
    except LinkProblem as problem:
        return _link_refused(app, request, str(problem))
    request.entry_id = entry_id
    entry = app.backend.find_published(entry_id)
    if entry is None:
        return _link_refused(app, request, "Cette annonce n'est plus en ligne : elle a été retirée ou a expiré.", 404)
    if request.method != "POST":
        question = CHOICE_QUESTIONS[choice].format(label=status_label(entry.kind, TAKEN))
        return Response.html(app.pages.render("followup.html", entry=entry, question=question, token=token))
    return _change_status(app, request, entry, choice)


CHOICE_QUESTIONS = {
    RESOLVED: "Vous avez trouvé ce qu'il vous fallait : votre annonce sera marquée « Résolu » et quittera le site.",
    TAKEN: "Quelqu'un s'occupe de vous : votre annonce sera marquée « {label} » et restera visible, après les autres.",
    STILL_NEEDED: "Vous avez toujours besoin d'aide : votre annonce sera prolongée et remise en tête des annonces.",
}


def _link_refused(app: App, request: Request, text: str, status: int = 400) -> Response:
    if request.wants_json:
        return Response.json({"message": text}, status=status)
    page = app.pages.render("message.html", title="Lien non valable", text=text, notice=text)
    return Response.html(page, status=status)


def _change_status(app: App, request: Request, entry: Entry, choice: str) -> Response:
    change = change_status(entry, choice, dt.datetime.fromtimestamp(app.clock(), app.timezone), app.config.expiry_days)
    if change.changed:
        _ask_backend(app.backend.change_status, entry, change.entry)
    return _done(app, request, "État de l'annonce enregistré", change.message)


REPORTS_PER_CLIENT_PER_HOUR = 3
REPORTS_RELAYED_PER_ENTRY_PER_DAY = 5  # the first opens the entry's issue, the next are comments; then counted
REPORT_WRITES_PER_HOUR = 50  # a tenth of GitHub's 500: reports never starve residents' entries
REPORT_MEMORY_SECONDS = 30 * 86400


def report(app: App, request: Request) -> Response:
    """One issue per entry; later reports are comments, then only counted; one client cannot drain the forge."""
    fields, entry = _small_form(app, request, "report.html", forms.REPORT)
    request.entry_id = entry.id
    now, limits = app.clock(), app.limits
    if wait := limits.wait_for("report", client_of(request.client_ip), REPORTS_PER_CLIENT_PER_HOUR, now, 3600):
        raise TooManyRequests(
            f"Vous avez déjà envoyé plusieurs signalements : réessayez dans {wait // 60 + 1} minutes.",
            headers={"Retry-After": str(wait)},
        )
    first = app.store.idempotency.remember("report:" + entry.id, "1", now, REPORT_MEMORY_SECONDS) is None
    previous = None if first else app.store.idempotency.recall("report-issue:" + entry.id, now)
    if first or (
        previous and not limits.wait_for("report-entry", entry.id, REPORTS_RELAYED_PER_ENTRY_PER_DAY, now, 86400)
    ):
        if wait := limits.wait_for("report-forge", "all", REPORT_WRITES_PER_HOUR, now, 3600):
            raise ServiceUnavailable(
                "Beaucoup de signalements arrivent en ce moment : réessayez dans quelques minutes.",
                headers={"Retry-After": str(wait)},
            )
        reference = _ask_backend(app.backend.report, entry, fields["reason"], previous)
        if first:
            app.store.idempotency.remember("report-issue:" + entry.id, reference, now, REPORT_MEMORY_SECONDS)
        text = "Merci. Votre signalement est transmis aux modérateurs, qui vont examiner l'annonce."
    else:
        text = "Merci. Cette annonce a déjà été signalée plusieurs fois : les modérateurs l'examinent."
    return _done(app, request, "Signalement transmis", text)


def _small_form(
    app: App,
    request: Request,
    template: str,
    declared: forms.Form,
    *,
    extra: Callable[[dict[str, str]], list[Problem]] | None = None,
    published: bool = False,
    queued: bool = False,
) -> tuple[dict[str, str], Entry]:
    """Validate a small form, then find its entry (only a published one when `published`); on a problem the page
    comes back with the form kept."""
    form = request.form()
    _refuse_honeypot(form)
    sent = {k: v for k, v in form.items() if k != HONEYPOT}
    fields, problems = submission.clean(sent, declared.names, declared.multiline)
    problems += forms.problems(declared, fields)
    problems += extra(fields) if extra else []
    request.environ["entraide.form"] = (template, fields)  # to show the form again with any error
    if problems:
        raise BadRequest(INVALID, problems=_by_field(problems))
    entry = (app.backend.find_published if published else app.backend.find)(fields["entry"])
    if entry is None and queued:
        entry = app.intake.find_queued(fields["entry"])
    if entry is None:
        raise NotFound(
            "Aucune annonce ne porte ce numéro : vérifiez-le (il figure dans l'adresse de l'annonce, "
            "après /annonces/).",
            problems={"entry": "annonce introuvable"},
        )
    return fields, entry


def _contact_form_problems(fields: dict[str, str]) -> list[Problem]:
    return submission.contact_field_problems(fields) + relay_message_problems(fields)


def _relay(app: App, entry: Entry, fields: dict[str, str]) -> None:
    """The visitor's message to the author (Reply-To: the visitor), or to the moderators for a phone-only author."""
    from entraide.mail import MailUnavailable
    from entraide.messages import relay_by_phone_mail, relay_mail

    author = _author(app, entry)
    _limit_relay(app, entry, author.email or app.config.moderators_email)
    phone = submission.normalise_phone(fields.get("phone", ""))
    email = fields.get("email", "")
    try:
        if author.email:
            mail = relay_mail(entry, fields["name"], fields["message"], email, phone, app.config.site_url)
            app.send_mail(author.email, *mail, reply_to=email or None)
        else:
            mail = relay_by_phone_mail(entry, author.phone, fields["name"], fields["message"], email, phone)
            app.send_mail(app.config.moderators_email, *mail, reply_to=email or None)
    except MailUnavailable as error:
        raise ServiceUnavailable(
            "Votre message n'a pas pu être envoyé pour le moment : réessayez dans quelques minutes.",
            headers={"Retry-After": "300"},
        ) from error
    _count_first_message(app, entry)


def _count_first_message(app: App, entry: Entry) -> None:
    """For the statistics' median time to a first message: two times per entry, nothing of the message."""
    try:
        app.store.first_messages.record(entry.id, entry.created_at.timestamp(), app.clock())
    except StoreUnavailable:  # the message is sent: a statistic missed is no reason to tell the visitor otherwise
        log.warning("entry %s: its first message was not counted (store unavailable)", entry.id)


RELAY_PER_ENTRY_PER_HOUR = 10
RELAY_PER_RECIPIENT_PER_DAY = 30  # one person with several entries, or the moderators for phone-only authors: x3


def _limit_relay(app: App, entry: Entry, recipient: str) -> None:
    """However many visitors write, an author gets a bounded number of relayed mails (the address is hashed)."""
    now = app.clock()
    wait = app.limits.wait_for("relay-entry", entry.id, RELAY_PER_ENTRY_PER_HOUR, now, 3600) or app.limits.wait_for(
        "relay-recipient", recipient.lower(), RELAY_PER_RECIPIENT_PER_DAY, now, 86400
    )
    if wait:
        raise TooManyRequests(
            f"{entry.name} a déjà reçu beaucoup de messages : réessayez plus tard (dans {wait // 60 + 1} minutes "
            "au plus tôt). Votre message n'a pas été envoyé.",
            headers={"Retry-After": str(wait)},
        )


def _author(app: App, entry: Entry) -> Contact:
    try:
        return app.keys.unseal(entry.contact)
    except (SealingError, ValueError) as error:  # a sample entry, or a contact sealed by another instance's key
        log.warning("entry %s: its contact cannot be opened with this endpoint's key", entry.id)
        raise Conflict(
            "Cette annonce ne peut pas recevoir de message : c'est une annonce d'exemple, ou son "
            "contact est illisible. Si elle vous semble réelle, signalez-la aux modérateurs."
        ) from error


def _ask_backend(action: Any, *args: Any) -> Any:
    try:
        return action(*args)
    except ForgeUnavailable as busy:
        raise ServiceUnavailable(busy.message_fr, headers={"Retry-After": str(busy.retry_after_seconds)}) from busy
    except LookupError as gone:  # removed by someone else between finding it and acting on it
        raise NotFound("Cette annonce n'existe plus : elle a déjà été retirée ou a expiré.") from gone


def _done(app: App, request: Request, title: str, text: str) -> Response:
    if request.wants_json:
        return Response.json({"message": text})
    return Response.html(app.pages.render("message.html", title=title, text=text))


def _by_field(problems: list[Problem]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in problems:
        errors.setdefault(problem.key, problem.message)
    return errors


def _invalid_json(problems: list[Problem]) -> Response:
    return Response.json({"message": INVALID, "errors": _by_field(problems)}, status=400)


ROUTES = {
    "/": {"GET": home},
    "/submit": {"POST": submit},
    "/contact": {"POST": contact},
    "/withdraw": {"POST": withdraw},
    "/status": {"POST": status},
    "/followup": {"GET": followup, "POST": followup},
    "/report": {"POST": report},
    "/token": {"GET": token},
    "/health": {"GET": health},
    **alerts.ROUTES,
}
