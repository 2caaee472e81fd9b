"""The /proposer/, /demander/ and /retirer/ forms: fields, labels, help, choices from the data."""

from __future__ import annotations

from pathlib import Path

from site_html import read_page

from entraide.categories import load_categories
from entraide.communes import load_communes
from entraide.endpoint.routes import CONTROL_FIELDS, HONEYPOT
from entraide.submission import FORM_FIELDS

# What the endpoint accepts: the form must send every field an entry needs and nothing it would refuse.
# submission_id is added by the enhanced form's script, not written in the page.
SENT_BY_PAGE = set(FORM_FIELDS) - {"submission_id"}
CONTROLS = {HONEYPOT, "form_token"}


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
