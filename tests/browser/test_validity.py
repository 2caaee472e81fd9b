"""The Nu Html Checker (npm `vnu-jar`, run with the machine's Java) on every page type: no error.

Built pages are checked as written; the endpoint's pages as it sends them, fetched over HTTP the way the
site's forms post. One Java start for all files keeps this fast.
"""

from __future__ import annotations

import html.parser
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.harness.workspace import AUTHORED_ID, FIXTURE_COMMUNE, MIN_FILL_SECONDS

from .test_accessibility import CONTENT_PAGES, SITE_PAGES

BUILT_FILES = [*SITE_PAGES.values(), *CONTENT_PAGES, "/carte/", "/communes/grenoble/page/2/"]
OFFER = {
    "kind": "offer",
    "category": "homework",
    "commune": FIXTURE_COMMUNE[0],
    "title": "Aide aux devoirs <b>de maths</b>",
    "description": "Professeur retraité, j'aide les collégiens en mathématiques, le soir, à distance.",
    "name": "Gaston",
    "email": "gaston.vnu@example.test",
    "consent": "on",
    "website": "",
}


class _Forms(html.parser.HTMLParser):
    """The fields of each <form> of a page, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1][attributes["name"]] = attributes.get("value") or ""


def post(endpoint, site, route: str, fields: dict[str, str]) -> str:
    request = urllib.request.Request(
        endpoint.url + route,
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Origin": site.url, "Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.read().decode("utf-8")


@pytest.fixture(scope="module")
def endpoint_pages(endpoint_process, site, tmp_path_factory) -> dict[str, str]:
    """Every kind of HTML page the endpoint answers with, as it sends it."""
    pages = {
        "form-errors": post(endpoint_process, site, "/submit", {**OFFER, "description": "Appelez le 06 12 34 56 78 !"}),
        "preview": post(endpoint_process, site, "/submit", OFFER),
        "contact-sent": post(
            endpoint_process,
            site,
            "/contact",
            {"entry": AUTHORED_ID, "message": "Bonjour, puis-je vous appeler ?", "name": "Rita", "email": "r@a.test"},
        ),
        "report-sent": post(endpoint_process, site, "/report", {"entry": AUTHORED_ID, "reason": "Hors sujet <script>"}),
        "withdraw-refused": post(
            endpoint_process, site, "/withdraw", {"entry": AUTHORED_ID, "key": "pas-la-bonne-cle"}
        ),
        "not-found": post(endpoint_process, site, "/nulle-part", {}),
    }
    parser = _Forms()
    parser.feed(pages["preview"])
    confirm = next((form for form in parser.forms if "confirm_token" in form), None)
    assert confirm, "the preview page has no confirm form"
    time.sleep(MIN_FILL_SECONDS + 0.3)
    pages["thank-you"] = post(endpoint_process, site, "/submit", confirm)
    return pages


def run_vnu(node_modules: Path, files: list[Path]) -> list[dict]:
    java = shutil.which("java")
    assert java, "Java is needed for the Nu Html Checker: apt-get install default-jre-headless"
    jar = node_modules / "vnu-jar" / "build" / "dist" / "vnu.jar"
    result = subprocess.run(
        [java, "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(result.stderr or result.stdout)["messages"]


@pytest.mark.browser
def test_every_page_type_is_valid_html(site, endpoint_pages, node_modules, tmp_path):
    files = [site.file(path) for path in BUILT_FILES]
    missing = [str(f) for f in files if not f.exists()]
    assert not missing, f"pages missing from the build: {missing}"
    for name, text in endpoint_pages.items():
        files.append(tmp_path / f"endpoint-{name}.html")
        files[-1].write_text(text, "utf-8")
    errors = [m for m in run_vnu(node_modules, files) if m["type"] == "error"]
    shown = [f"{m['url'].rsplit('/', 3)[-3:]}:{m.get('lastLine')}: {m['message']}" for m in errors]
    assert not shown, "\n".join(shown)


@pytest.mark.browser
def test_endpoint_pages_are_the_expected_ones(endpoint_pages):
    """Guards the check above: each saved page is the page it claims to be, not an error page."""
    assert "Corrigez" in endpoint_pages["form-errors"]
    assert "Vérifiez votre annonce" in endpoint_pages["preview"]
    assert "&lt;b&gt;de maths&lt;/b&gt;" in endpoint_pages["preview"]
    assert "Merci, votre annonce est envoyée" in endpoint_pages["thank-you"]
