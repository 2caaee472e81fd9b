"""Page weight of the built demo pages, and the production build (publishconf.py)."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from site_fixtures import ROOT, build, make_entry, write_entries
from site_html import read_page

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


def test_publish_build_uses_absolute_urls_and_minified_css(tmp_path: Path) -> None:
    submissions = write_entries(tmp_path / "submissions", [make_entry(1, "38185")])
    os.environ["ENTRAIDE_SITE_URL"] = "https://entraide.example.org"
    try:
        result = build(submissions, tmp_path / "out", tmp_path / "cache", settings="publishconf.py")
    finally:
        del os.environ["ENTRAIDE_SITE_URL"]
    assert result.returncode == 0, result.stderr
    home = read_page(tmp_path / "out", "/")
    assert home.find("link", rel="stylesheet").attrs["href"] == "https://entraide.example.org/theme/css/main.css"
    css = (tmp_path / "out/theme/css/main.css").read_text("utf-8")
    assert "/*" not in css and len(css.splitlines()) == 1
    sitemap = (tmp_path / "out/sitemap.xml").read_text("utf-8")
    assert "<loc>https://entraide.example.org/communes/grenoble/</loc>" in sitemap


def test_publish_refuses_to_build_without_the_site_address(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ENTRAIDE_SITE_URL"}
    command = [sys.executable, "-m", "pelican", "content", "-o", str(tmp_path / "out"), "-s", "publishconf.py"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "ENTRAIDE_SITE_URL" in result.stderr + result.stdout
