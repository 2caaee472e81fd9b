"""Page weight of the built demo pages, and the production build (publishconf.py)."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

from tests.harness.site import ROOT, build_environ

from .site_fixtures import make_entry, write_entries
from .site_html import read_page

BUDGET = 30 * 1024


def weight(site: Path, url: str) -> int:
    """Gzipped bytes of the page and of every stylesheet and script it loads."""
    page = read_page(site, url)
    name = url.lstrip("/")
    files = [site / (name + "index.html" if name.endswith("/") or not name else name)]
    files += [site / link.attrs["href"].lstrip("/") for link in page.find_all("link", rel="stylesheet")]
    files += [site / script.attrs["src"].lstrip("/") for script in page.find_all("script")]
    return sum(len(gzip.compress(path.read_bytes(), 9)) for path in files)


@pytest.mark.parametrize("url", ["/", "/communes/grenoble/", "/categories/courses/", "/communes/grenoble/demandes/"])
def test_home_and_listing_pages_weigh_under_30_kb(site: Path, url: str) -> None:
    assert weight(site, url) <= BUDGET


PUBLIC = {"ENTRAIDE_SITE_URL": "https://entraide.example.org", "ENTRAIDE_ENDPOINT_URL": "https://api.entraide.fr"}


def make_publish(tmp_path: Path, **addresses: str) -> subprocess.CompletedProcess[str]:
    """`make publish` for real, with only `addresses` among the ENTRAIDE_ variables."""
    submissions = write_entries(tmp_path / "submissions", [make_entry(1, "38185")])
    environ = build_environ(tmp_path / "cache", ENTRAIDE_SEARCH_ENABLED="0", **addresses)
    command = ["make", "--no-print-directory", "-C", str(ROOT), "publish", f"SUBMISSIONS={submissions}"]
    command += [f"OUTPUT={tmp_path / 'out'}", "BUILD_DATE=2026-12-01"]
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=300)


def test_publish_build_uses_absolute_urls_and_minified_css(tmp_path: Path) -> None:
    result = make_publish(tmp_path, **PUBLIC)
    assert result.returncode == 0, result.stderr
    home = read_page(tmp_path / "out", "/")
    assert home.find("link", rel="stylesheet").attrs["href"] == "https://entraide.example.org/theme/css/main.css"
    css = (tmp_path / "out/theme/css/main.css").read_text("utf-8")
    assert "/*" not in css and len(css.splitlines()) == 1
    sitemap = (tmp_path / "out/sitemap.xml").read_text("utf-8")
    assert "<loc>https://entraide.example.org/communes/grenoble/</loc>" in sitemap
    form = read_page(tmp_path / "out", "/proposer/").find("form")
    assert form.attrs["action"] == "https://api.entraide.fr/submit"


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("ENTRAIDE_SITE_URL", None, "ENTRAIDE_SITE_URL is not set"),
        ("ENTRAIDE_SITE_URL", "http://127.0.0.1:8000", "ENTRAIDE_SITE_URL=http://127.0.0.1:8000 is not a public"),
        ("ENTRAIDE_ENDPOINT_URL", None, "ENTRAIDE_ENDPOINT_URL is not set"),
        ("ENTRAIDE_ENDPOINT_URL", "", "ENTRAIDE_ENDPOINT_URL is not set"),
        ("ENTRAIDE_ENDPOINT_URL", "api.entraide.fr", "ENTRAIDE_ENDPOINT_URL is 'api.entraide.fr'"),
        ("ENTRAIDE_ENDPOINT_URL", "http://127.0.0.1:8001", "=http://127.0.0.1:8001 is not a public address"),
        ("ENTRAIDE_ENDPOINT_URL", "http://localhost:8001/", "=http://localhost:8001 is not a public address"),
        ("ENTRAIDE_ENDPOINT_URL", "http://[::1]:8001", "=http://[::1]:8001 is not a public address"),
        # the placeholder of .github/workflows/publish.yml, left unchanged
        ("ENTRAIDE_ENDPOINT_URL", "https://formulaire.entraide.example", "is not a public address"),
    ],
)
def test_publish_refuses_an_address_visitors_cannot_reach_and_names_the_variable(
    tmp_path: Path, variable: str, value: str | None, words: str
) -> None:
    addresses = {**PUBLIC, variable: value}
    result = make_publish(tmp_path, **{key: found for key, found in addresses.items() if found is not None})
    assert result.returncode != 0
    assert words in result.stderr and f"set {variable} to" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()
