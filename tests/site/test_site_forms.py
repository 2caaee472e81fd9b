"""The /proposer/, /demander/ and /retirer/ forms: fields, labels, help, choices from the data."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest

from entraide.categories import load_categories
from entraide.communes import load_communes
from entraide.config import Config
from entraide.endpoint.app import create_app
from entraide.endpoint.routes import CONTROL_FIELDS, HONEYPOT
from entraide.schema import load_schema
from entraide.sealing import KeyPair
from entraide.store import open_store, upgrade
from entraide.submission import FORM_FIELDS

from .site_html import Element, parse_html, read_page

# What the endpoint accepts: the form must send every field an entry needs and nothing it would refuse.
# submission_id is added by the enhanced form's script, not written in the page.
SENT_BY_PAGE = set(FORM_FIELDS) - {"submission_id"}
CONTROLS = {HONEYPOT, "form_token"}
ENDPOINT = "http://127.0.0.1:8001"


def test_offer_and_request_forms(site: Path) -> None:
    for url, kind in (("/proposer/", "offer"), ("/demander/", "request")):
        form = read_page(site, url).find("form", action="http://127.0.0.1:8001/submit")
        assert form.attrs["method"] == "post"
        names = {f.attrs["name"] for f in form.find_all() if f.tag in ("input", "select", "textarea")}
        assert names - CONTROLS == SENT_BY_PAGE
        assert names >= CONTROLS and set(CONTROL_FIELDS) >= CONTROLS
        assert form.find("input", name="kind").attrs == {"type": "hidden", "name": "kind", "value": kind}


def test_every_visible_field_has_a_label(site: Path) -> None:
    page = read_page(site, "/proposer/")
    labels = {label.attrs["for"] for label in page.find_all("label")}
    for field in page.find("main").find_all():
        if field.tag in ("input", "select", "textarea") and field.attrs.get("type") != "hidden":
            assert field.attrs["id"] in labels, field.attrs


def test_choices_come_from_the_data(site: Path) -> None:
    form = read_page(site, "/demander/").find("form")
    codes = [o.attrs["value"] for o in form.find("select", name="commune").find_all("option") if o.attrs["value"]]
    assert codes == [c.code for c in load_communes()]
    radios = [i.attrs["value"] for i in form.find_all("input", name="category")]
    assert radios == [c.key for c in load_categories()]
    assert form.find("input", name="title").attrs["maxlength"] == "80"


def test_consent_box_and_hidden_honeypot(site: Path) -> None:
    form = read_page(site, "/proposer/").find("form")
    consent = form.find("input", name="consent")
    assert consent.attrs["type"] == "checkbox" and "required" in consent.attrs
    trap = [div for div in form.find_all("div", class_="field--trap") if div.find_all("input", name="website")]
    assert trap and "style" not in trap[0].attrs


def test_withdraw_form(site: Path) -> None:
    form = read_page(site, "/retirer/").find("form", action="http://127.0.0.1:8001/withdraw")
    assert {i.attrs["name"] for i in form.find_all("input")} == {"entry", "key", "website"}


# The site's forms against the endpoint that receives them: what one can type is what is accepted.


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., tuple[int, str]]:
    """The endpoint as a WSGI application in this process: post(route, fields, html=False) → (status, body)."""
    root = tmp_path_factory.mktemp("endpoint")
    config = Config.from_environ(
        {
            "ENTRAIDE_SITE_URL": SITE,
            "ENTRAIDE_PENDING_PATH": str(root / "pending"),
            "ENTRAIDE_SUBMISSIONS_PATH": str(root / "submissions"),
            "ENTRAIDE_REPORTS_PATH": str(root / "reports"),
            "ENTRAIDE_OUTBOX_PATH": str(root / "outbox"),
            "ENTRAIDE_PRIVATE_KEY": KeyPair.generate().private,
            "ENTRAIDE_TOKEN_SECRET": "a test secret",
            "ENTRAIDE_MIN_FILL_SECONDS": "0",
            "ENTRAIDE_RATE_LIMIT_PER_IP": "0",
            "ENTRAIDE_RATE_LIMIT_GLOBAL": "0",
            "ENTRAIDE_GEOCODER_URL": "",
            "ENTRAIDE_DATABASE_URL": f"sqlite:///{root}/entraide.db",
        }
    )
    upgrade(open_store(config.database_url))
    app = create_app(config)

    def post(route: str, fields: dict[str, str], html: bool = False) -> tuple[int, str]:
        body = urlencode(fields).encode() if html else json.dumps(fields).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": route,
            "CONTENT_TYPE": "application/x-www-form-urlencoded" if html else "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_ORIGIN": SITE,
            "HTTP_ACCEPT": "text/html" if html else "application/json",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(body),
        }
        setup_testing_defaults(environ)
        status: list[str] = []
        answer = b"".join(app(environ, lambda line, headers, *_: status.append(line)))
        return int(status[0].split()[0]), answer.decode()

    return post


SITE = "http://127.0.0.1:8000"
GOOD = {
    "/submit": {
        "kind": "offer",
        "category": "groceries",
        "commune": "38185",
        "title": "Courses du samedi",
        "description": "Je passe au marché le samedi matin.",
        "name": "Léa",
        "email": "lea@example.fr",
        "consent": "on",
    },
    "/contact": {"entry": "fixture-0001", "message": "Bonjour, je peux vous aider.", "name": "Sam", "email": "s@a.fr"},
    "/withdraw": {"entry": "fixture-0001", "key": "une-cle-de-retrait"},
    "/report": {"entry": "fixture-0001", "reason": "Elle demande de l'argent."},
}


def site_forms(site: Path) -> dict[str, Element]:
    """Each form of the site, by the endpoint route it posts to."""
    entry_page = read_page(site, "/annonces/fixture-0001/")
    return {
        "/submit": read_page(site, "/proposer/").find("form", action=ENDPOINT + "/submit"),
        "/contact": entry_page.find("form", action=ENDPOINT + "/contact"),
        "/withdraw": read_page(site, "/retirer/").find("form", action=ENDPOINT + "/withdraw"),
        "/report": entry_page.find("form", action=ENDPOINT + "/report"),
    }


def typed(name: str, size: int) -> str:
    """A value of `size` characters that is right in every other way: only its length can be refused."""
    if name == "email":
        return "a" * (size - len("@example.fr")) + "@example.fr"
    if name == "phone":
        return "06" + "." * (size - 10) + "12345678"  # separators are allowed between digits
    return "x" * size


def length_complaint(endpoint, route: str, name: str, size: int) -> str:
    _, body = endpoint(route, {**GOOD[route], name: typed(name, size)})
    message = json.loads(body).get("errors", {}).get(name, "")
    return message if re.match(r"trop (long|court)", message) else ""


def test_what_a_site_form_lets_one_type_the_endpoint_accepts_and_no_more(site: Path, endpoint) -> None:
    """The drift the contract ends: the visitor's name was capped at 40 on the site and 60 at the endpoint."""
    schema = load_schema()["properties"]
    checked = []
    for route, form in site_forms(site).items():
        for field in form.find_all():
            if (
                field.tag not in ("input", "textarea")
                or "maxlength" not in field.attrs
                or field.attrs["name"] == HONEYPOT
            ):
                continue
            name, longest = field.attrs["name"], int(field.attrs["maxlength"])
            shortest = int(field.attrs.get("minlength", 1))
            if route == "/submit" and name in schema:
                assert longest == schema[name]["maxLength"], f"{route} {name}: the site and the schema differ"
            assert not length_complaint(endpoint, route, name, longest), f"{route} {name}: {longest} is refused"
            assert length_complaint(endpoint, route, name, longest + 1), f"{route} {name}: {longest + 1} is accepted"
            if shortest > 1:
                assert not length_complaint(endpoint, route, name, shortest), f"{route} {name}: {shortest} is refused"
                assert length_complaint(endpoint, route, name, shortest - 1), f"{route} {name}: too short accepted"
            checked.append(f"{route} {name}")
    assert len(checked) >= 14, checked


SHOWN_ATTRIBUTES = ("type", "maxlength", "minlength", "required", "autocomplete", "rows")


def described_fields(form: Element, page: Element) -> dict[tuple[str, str], dict[str, str]]:
    """What a resident is shown of each visible field: its label, hint, type and limits (not its errors)."""
    labels = {label.attrs["for"]: label.text for label in page.find_all("label")}
    texts = {element.attrs["id"]: element.text for element in page.find_all() if "id" in element.attrs}
    fields = {}
    for field in form.find_all():
        if field.tag not in ("input", "select", "textarea") or field.attrs.get("type") == "hidden":
            continue
        if field.attrs["name"] == HONEYPOT:
            continue
        hints = [texts[i] for i in field.attrs.get("aria-describedby", "").split() if not i.endswith("-erreur")]
        fields[(field.attrs["name"], field.attrs.get("value", "") if field.attrs.get("type") == "radio" else "")] = {
            "id": field.attrs["id"],
            "tag": field.tag,
            "label": labels[field.attrs["id"]],
            "hints": " | ".join(hints),
            **{
                key: field.attrs.get(key, "-") for key in ("type", "maxlength", "minlength", "required", "autocomplete")
            },
        }
    return fields


def test_a_form_reads_the_same_on_the_site_and_on_the_endpoints_page(site: Path, endpoint) -> None:
    """Each form is declared once: the endpoint's page of a form shows the site's fields, labels, hints, limits."""
    sent = {
        "/submit": {"title": ""},
        "/contact": {"entry": "fixture-0001", "message": "court"},
        "/withdraw": {"entry": "fixture-0001"},
        "/report": {"entry": "fixture-0001", "reason": "nul"},
    }
    for route, form in site_forms(site).items():
        status, body = endpoint(route, sent[route], html=True)
        assert status == 400, body
        page = parse_html(body)
        on_site = described_fields(form, read_page(site, form_page(route)))
        at_endpoint = described_fields(page.find("form"), page)
        assert on_site, route
        for key, shown in on_site.items():
            assert at_endpoint.get(key) == shown, f"{route} {key}"


def form_page(route: str) -> str:
    return {"/submit": "/proposer/", "/withdraw": "/retirer/"}.get(route, "/annonces/fixture-0001/")
