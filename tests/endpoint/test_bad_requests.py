"""A table of bad requests: each gets a 4xx and a clear French message, writes nothing, and the service stays up."""

from __future__ import annotations

import html
import json

import pytest

from tests.harness.endpoint import GOOD_FORM, THIRTEEN, approved_entry

TOKEN = object()  # replaced by a valid, old enough form token when the request is sent
ENTRY = object()  # replaced by the id of an approved entry


def good(**changes):
    """The good form with some fields changed; a value None removes the field."""
    form = {**GOOD_FORM, "form_token": TOKEN, **changes}
    return {key: value for key, value in form.items() if value is not None}


def without(*keys):
    return {key: value for key, value in good().items() if key not in keys}


# One "address" that Python's email package decodes into 13 recipients of a To: header.

CASES = [
    # (id, path, how the body is sent, body, status, what the message says)
    ("missing-title", "/submit", "json", good(title=None), 400, "écrivez un titre court"),
    ("empty-object", "/submit", "json", {"form_token": TOKEN}, 400, "choisissez une catégorie"),
    ("unknown-field", "/submit", "json", good(age="42"), 400, "champ inconnu"),
    ("wrong-kind", "/submit", "json", good(kind="gift"), 400, "choisissez parmi : Offre d'aide, Demande d'aide"),
    ("wrong-category", "/submit", "json", good(category="jardinage"), 400, "choisissez parmi : Courses"),
    ("commune-outside-territory", "/submit", "json", good(commune="75056"), 400, "commune de la Métropole"),
    ("commune-by-name", "/submit", "json", good(commune="Grenoble"), 400, "code INSEE"),
    ("title-a-number", "/submit", "json", good(title=42), 400, "doit être du texte"),
    ("description-a-list", "/submit", "json", good(description=["a", "b"]), 400, "doit être du texte"),
    ("phone-an-object", "/submit", "json", good(phone={"n": 6}), 400, "doit être du texte"),
    ("consent-false", "/submit", "json", good(consent=False), 400, "cochez la case"),
    ("consent-missing", "/submit", "json", without("consent"), 400, "cochez la case"),
    ("json-array", "/submit", "raw-json", b"[1, 2, 3]", 400, "JSON inattendu"),
    ("json-broken", "/submit", "raw-json", b'{"title": ', 400, "JSON illisible"),
    ("json-deeply-nested", "/submit", "raw-json", b"[" * 16_000, 400, "JSON illisible"),
    ("lone-surrogate", "/submit", "json", good(title="Courses \ud800 du samedi"), 400, "caractère invisible"),
    ("json-duplicate-keys", "/submit", "raw-json", b'{"title": "a", "title": "b"}', 400, "JSON illisible"),
    (
        "email-in-description",
        "/submit",
        "json",
        good(description="Écrivez-moi : odile@example.fr merci"),
        400,
        "contient une adresse e-mail",
    ),
    ("phone-in-title", "/submit", "json", good(title="Appelez le 06 12 34 56 78"), 400, "un numéro de téléphone"),
    ("link-in-name", "/submit", "json", good(name="www.odile.fr"), 400, "un lien"),
    (
        "hostile-link-html",
        "/submit",
        "json",
        good(description='<a href="http://evil.example.com">cliquez</a> ici'),
        400,
        "un lien",
    ),
    ("no-contact", "/submit", "json", good(email=None, phone=None), 400, "indiquez une adresse e-mail ou un numéro"),
    ("bad-email", "/submit", "json", good(email="odile@"), 400, "adresse e-mail n'a pas la bonne forme"),
    ("email-encoded-word", "/submit", "json", good(email="=?utf-8?q?a=40b.fr=2C_c=40d.fr?=@example.fr"), 400, "« =? »"),
    ("email-encoded-word-13-recipients", "/submit", "json", good(email=THIRTEEN), 400, "« =? »"),
    ("email-encoded-line-break", "/submit", "json", good(email="=?utf-8?q?a=0D=0ABcc=3A_b?=@x.fr"), 400, "« =? »"),
    ("email-encoded-word-html", "/submit", "form", {**GOOD_FORM, "email": "=?utf-8?b?YUBiLmZy?=@x.fr"}, 400, "« =? »"),
    ("email-backslash", "/submit", "json", good(email="odile\\martin@example.fr"), 400, "n'a pas la bonne forme"),
    ("email-dot-before-at", "/submit", "json", good(email="odile.@example.fr"), 400, "n'a pas la bonne forme"),
    ("email-brackets", "/submit", "json", good(email="odile[1]@example.fr"), 400, "n'a pas la bonne forme"),
    ("email-accented", "/submit", "json", good(email="léa@exemple.fr"), 400, "sans accent"),
    ("bad-phone", "/submit", "json", good(phone="123"), 400, "ce numéro n'a pas la bonne forme"),
    ("title-too-long", "/submit", "json", good(title="x" * 81), 400, "trop long : 80 caractères au plus"),
    ("description-too-short", "/submit", "json", good(description="Aide"), 400, "trop court"),
    ("control-character", "/submit", "json", good(title="Courses\x07 du samedi"), 400, "caractère invisible"),
    ("line-break-in-title", "/submit", "json", good(title="Courses\ndu samedi"), 400, "doit tenir sur une ligne"),
    ("bidi-override-in-name", "/submit", "json", good(name="Odile\u202e"), 400, "caractère invisible"),
    ("stray-joiner-in-name", "/submit", "json", good(name="Od\u200dile"), 400, "caractère invisible"),
    (
        "hidden-tags-in-description",
        "/submit",
        "json",
        good(description="Courses du samedi\U000e0069\U000e0067\U000e006e pour les voisins"),
        400,
        "caractère invisible",
    ),
    ("noncharacter-in-title", "/submit", "json", good(title="Courses \ufffe du samedi"), 400, "caractère invisible"),
    ("noncharacter-in-name-html", "/submit", "form", {**GOOD_FORM, "name": "Odile\uffff"}, 400, "caractère invisible"),
    (
        "astral-noncharacter-in-description",
        "/submit",
        "json",
        good(description="Courses du samedi \U0010ffff pour les voisins"),
        400,
        "caractère invisible",
    ),
    ("noncharacter-in-address", "/submit", "json", good(address="12 rue \ufdd0 Grenoble"), 400, "caractère invisible"),
    ("address-too-long", "/submit", "json", good(address="rue " * 60), 400, "trop long : 200 caractères au plus"),
    ("bad-submission-id", "/submit", "json", good(submission_id="../../etc"), 400, "identifiant d'envoi illisible"),
    ("honeypot-filled", "/submit", "json", good(website="http://spam.example"), 400, "doit rester vide"),
    ("honeypot-filled-html", "/submit", "form", {**GOOD_FORM, "website": "x"}, 400, "doit rester vide"),
    ("no-form-token", "/submit", "json", good(form_token=None), 400, "jeton de formulaire absent"),
    ("sent-too-fast", "/submit", "json", good(form_token="fresh"), 400, "envoyé trop vite"),
    ("forged-token", "/submit", "json", good(form_token="form.1700000000.abc.forged"), 400, "non valable"),
    ("token-a-number", "/submit", "json", good(form_token=12), 400, "jeton de formulaire"),
    ("stale-token", "/submit", "json", good(form_token="stale"), 400, "ouvert depuis trop longtemps"),
    ("wrong-origin", "/submit", "json-from:https://evil.example", good(), 403, "depuis le site Entraide"),
    ("null-origin", "/submit", "json-from:null", good(), 403, "depuis le site Entraide"),
    ("oversize-body", "/submit", "json", good(description="a" * 17_000), 413, "trop volumineux"),
    ("invalid-utf8-json", "/submit", "raw-json", b'{"title": "\xff\xfe"}', 400, "UTF-8"),
    ("invalid-utf8-form", "/submit", "raw-form", b"kind=offer&title=%FF%FE", 400, "UTF-8"),
    ("plain-text-body", "/submit", "raw-text", b"bonjour", 415, "format d'envoi non pris en charge"),
    ("repeated-form-field", "/submit", "raw-form", b"title=a&title=b", 400, "plusieurs fois"),
    ("html-form-missing-fields", "/submit", "form", {"title": "Courses"}, 400, "choisissez votre commune"),
    ("get-submit", "/submit", "get", None, 405, "Méthode non permise"),
    ("unknown-path", "/admin", "json", {}, 404, "n'existe pas"),
    (
        "contact-unknown-entry",
        "/contact",
        "json",
        {
            "entry": "grenoble-20260101-deadbeef",
            "message": "Bonjour, je peux aider.",
            "name": "Sam",
            "email": "sam@example.org",
        },
        404,
        "Aucune annonce ne porte ce numéro",
    ),
    (
        "contact-path-traversal",
        "/contact",
        "json",
        {
            "entry": "../../../etc/passwd",
            "message": "Bonjour, je peux aider.",
            "name": "Sam",
            "email": "sam@example.org",
        },
        404,
        "Aucune annonce",
    ),
    (
        "contact-no-message",
        "/contact",
        "json",
        {"entry": ENTRY, "name": "Sam", "email": "sam@example.org"},
        400,
        "écrivez votre message",
    ),
    (
        "contact-no-way-back",
        "/contact",
        "json",
        {"entry": ENTRY, "message": "Bonjour, je peux aider.", "name": "Sam"},
        400,
        "indiquez une adresse e-mail ou un numéro",
    ),
    (
        "contact-encoded-word-visitor",
        "/contact",
        "json",
        {"entry": ENTRY, "message": "Bonjour, je peux aider.", "name": "Sam", "email": THIRTEEN},
        400,
        "« =? »",
    ),
    (
        "contact-encoded-word-visitor-html",
        "/contact",
        "form",
        {"entry": ENTRY, "message": "Bonjour, je peux aider.", "name": "Sam", "email": "=?utf-8?q?s=40x.fr?=@x.fr"},
        400,
        "« =? »",
    ),
    (
        "contact-message-a-number",
        "/contact",
        "json",
        {"entry": ENTRY, "message": 12, "name": "Sam", "email": "sam@example.org"},
        400,
        "doit être du texte",
    ),
    (
        "contact-honeypot",
        "/contact",
        "form",
        {
            "entry": ENTRY,
            "message": "Bonjour, je peux aider.",
            "name": "Sam",
            "email": "sam@example.org",
            "website": "spam",
        },
        400,
        "doit rester vide",
    ),
    (
        "withdraw-wrong-key",
        "/withdraw",
        "json",
        {"entry": ENTRY, "key": "pas-la-bonne-cle"},
        403,
        "ne correspond pas à cette annonce",
    ),
    (
        "withdraw-wrong-key-html",
        "/withdraw",
        "form",
        {"entry": ENTRY, "key": "pas-la-bonne-cle"},
        403,
        "clé de retrait incorrecte",
    ),
    (
        "withdraw-unknown-entry",
        "/withdraw",
        "json",
        {"entry": "meylan-20260101-00000000", "key": "abc"},
        404,
        "Aucune annonce",
    ),
    ("withdraw-no-key", "/withdraw", "json", {"entry": ENTRY}, 400, "indiquez la clé de retrait"),
    (
        "report-unknown-entry",
        "/report",
        "json",
        {"entry": "grenoble-20990101-00000000", "reason": "Demande de l'argent"},
        404,
        "Aucune annonce",
    ),
    ("report-reason-too-short", "/report", "json", {"entry": ENTRY, "reason": "nul"}, 400, "trop court"),
    (
        "report-unknown-field",
        "/report",
        "json",
        {"entry": ENTRY, "reason": "Arnaque probable", "email": "a@b.fr"},
        400,
        "champ inconnu",
    ),
]


def test_the_table_is_large_enough():
    assert len(CASES) >= 40
    assert len({case[0] for case in CASES}) == len(CASES)


def _fill(value, endpoint, entry_id):
    if value is TOKEN:
        return endpoint.form_token()
    if value is ENTRY:
        return entry_id
    if value == "fresh":
        return endpoint.form_token(age=0)
    if value == "stale":
        return endpoint.form_token(age=3 * 86400)
    return value


def _send(endpoint, path, how, body, entry_id):
    if isinstance(body, dict):
        body = {key: _fill(value, endpoint, entry_id) for key, value in body.items()}
    if how == "get":
        return endpoint.get(path)
    if how.startswith("json-from:"):
        return endpoint.post(path, json=body, origin=how.split(":", 1)[1])
    if how == "json":
        return endpoint.post(path, json=body)
    if how == "form":
        return endpoint.post(path, data=body)
    media = {"raw-json": "application/json", "raw-form": "application/x-www-form-urlencoded", "raw-text": "text/plain"}
    return endpoint.post(path, data=body, headers={"Content-Type": media[how]})


@pytest.mark.parametrize(
    ("path", "how", "body", "status", "says"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_a_bad_request_is_refused_clearly_and_writes_nothing(make_endpoint, mailbox, path, how, body, status, says):
    endpoint = make_endpoint(ENTRAIDE_MIN_FILL_SECONDS=5)
    entry_id = approved_entry(endpoint).entry.id
    before = {p: p.read_bytes() for p in endpoint.all_files()}

    answer = _send(endpoint, path, how, body, entry_id)

    assert answer.status_code == status
    shown = (
        html.unescape(answer.text)
        if "html" in answer.headers["Content-Type"]
        else json.dumps(answer.json(), ensure_ascii=False)
    )
    assert says in shown
    assert {p: p.read_bytes() for p in endpoint.all_files()} == before
    assert mailbox.messages == []
    assert endpoint.get("/health").status_code == 200


def _names(count):
    return [f"{n:03x}" for n in range(count)]  # short, so thousands fit in the 16 KB a body may hold


@pytest.mark.parametrize(
    ("how", "count", "path"),
    [("json", 1_200, "/submit"), ("form", 2_900, "/submit"), ("json", 1_200, "/report"), ("form", 2_900, "/contact")],
)
def test_thousands_of_unknown_fields_get_an_answer_as_short_as_for_one(endpoint, mailbox, how, count, path):
    """A form with 2,900 unknown fields once got a 498 KB error page."""
    entry_id = approved_entry(endpoint).entry.id
    form = {
        "/submit": GOOD_FORM,
        "/report": {"entry": entry_id, "reason": "Arnaque probable"},
        "/contact": {"entry": entry_id, "message": "Bonjour, je peux aider.", "name": "Sam", "email": "s@example.org"},
    }[path]
    before = endpoint.all_files()
    one = _send(endpoint, path, how, {**form, "abc": ""}, entry_id)
    answer = _send(endpoint, path, how, {**form, **dict.fromkeys(_names(count), "")}, entry_id)

    assert (one.status_code, answer.status_code) == (400, 400)
    assert len(answer.content) <= len(one.content) + 500, (len(one.content), len(answer.content))
    shown = html.unescape(answer.text)
    assert "champ inconnu" in shown and "000" in shown and f"et {count - 3:,} autres".replace(",", " ") in shown
    assert f"{count - 1:03x}" not in shown
    assert endpoint.all_files() == before and mailbox.messages == []


def test_a_long_unknown_field_name_is_shortened_in_the_answer(endpoint):
    answer = endpoint.post("/submit", json={**GOOD_FORM, "x" * 5_000: ""})
    assert answer.status_code == 400
    [name] = [key for key in answer.json()["errors"] if key.startswith("x")]
    assert len(name) <= 41 and len(answer.content) < 1_000


def test_thousands_of_repeated_fields_get_a_short_answer(endpoint):
    body = "&".join(f"{name}=&{name}=" for name in _names(1_400)).encode()
    answer = endpoint.post("/submit", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400
    assert "plusieurs fois : 000, 001, 002 (et 1 397 autres)" in html.unescape(answer.text)
    assert len(answer.content) < 20_000, len(answer.content)
    assert endpoint.pending_files() == []


def test_the_whole_hostile_table_against_one_endpoint_prints_its_counts(make_endpoint, mailbox, capsys):
    """Issue 12's closing check: every hostile request above, one after the other, against one running endpoint."""
    endpoint = make_endpoint(ENTRAIDE_MIN_FILL_SECONDS=5)
    entry_id = approved_entry(endpoint).entry.id
    before = {p: p.read_bytes() for p in endpoint.all_files()}
    answers = [_send(endpoint, path, how, body, entry_id) for _, path, how, body, _, _ in CASES]

    refused = sum(400 <= answer.status_code < 500 for answer in answers)
    written = sum(p not in before or p.read_bytes() != before[p] for p in endpoint.all_files())
    mails = len(mailbox.wait(1, timeout=0.5))
    alive = endpoint.get("/health").status_code == 200
    with capsys.disabled():
        print(
            f"\nhostile requests: {len(answers)} tried, {refused} refused, {written} files written, {mails} mails "
            f"sent, {0 if alive else 1} restarts, {sum(a.status_code >= 500 for a in answers)} server errors"
        )
    assert (refused, written, mails, alive) == (len(CASES), 0, 0, True)
