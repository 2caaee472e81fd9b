"""The endpoint's HTML pages, as served: valid HTML (Nu Html Checker) and styled by the site's stylesheet."""

from __future__ import annotations

import re
import shutil
import subprocess

from tests.harness.endpoint import GOOD_FORM, SITE, approved_entry


def served_pages(endpoint) -> dict[str, str]:
    entry = approved_entry(endpoint).entry
    preview = endpoint.post("/submit", data={**GOOD_FORM, "description": "Courses payées 10 € <b>gras</b>"}).text
    token = re.search(r'name="confirm_token" value="([^"]+)"', preview).group(1)
    return {
        "form-with-errors": endpoint.post("/submit", data={**GOOD_FORM, "title": "", "email": "x@"}).text,
        "preview": preview,
        "thanks": endpoint.post(
            "/submit", data={**GOOD_FORM, "description": "Courses payées 10 € <b>gras</b>", "confirm_token": token}
        ).text,
        "contact-error": endpoint.post("/contact", data={"entry": entry.id, "message": "court"}).text,
        "withdraw-error": endpoint.post("/withdraw", data={"entry": entry.id, "key": "faux"}).text,
        "report-done": endpoint.post("/report", data={"entry": entry.id, "reason": "Annonce douteuse"}).text,
        "refused": endpoint.post("/submit", data={"title": "x"}, origin="https://evil.example").text,
        "root": endpoint.get("/").text,
    }


def test_every_page_links_the_site_stylesheet_and_speaks_french(endpoint):
    for name, page in served_pages(endpoint).items():
        assert f'<link rel="stylesheet" href="{SITE}/theme/css/main.css">' in page, name
        assert '<html lang="fr">' in page and '<main id="contenu"' in page, name


def test_every_page_is_valid_html(endpoint, tmp_path, node_modules):
    vnu = node_modules / "vnu-jar" / "build" / "dist" / "vnu.jar"
    assert shutil.which("java"), "the Nu Html Checker needs Java: apt-get install default-jre-headless"
    files = []
    for name, page in served_pages(endpoint).items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(page, "utf-8")
    checked = subprocess.run(
        ["java", "-jar", str(vnu), "--errors-only", *map(str, files)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_the_root_says_what_the_endpoint_is_and_links_to_the_site(endpoint):
    answer = endpoint.get("/")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Service des formulaires d'Entraide</h1>" in answer.text
    assert f'allez sur le site : <a href="{SITE}/">{SITE}</a>' in answer.text
    assert endpoint.session.head(endpoint.url + "/", timeout=10).status_code == 200
