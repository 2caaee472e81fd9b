"""The content pages people wrote: front matter, French, links that lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import frontmatter
import pytest

from entraide.categories import load_categories
from entraide.communes import load_communes

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
PAGES = sorted(CONTENT.glob("*.md"))
EXPECTED_SLUGS = {"a-propos", "charte", "confidentialite", "mentions-legales", "faq", "accessibilite"}
# The fixed URLs of the site (TEAM contract) a content page may link to.
SITE_PATHS = {"/", "/communes/", "/carte/", "/proposer/", "/demander/", "/retirer/", "/statistiques/"}


def site_paths() -> set[str]:
    paths = set(SITE_PATHS) | {f"/{slug}/" for slug in EXPECTED_SLUGS}
    paths |= {f"/communes/{c.slug}/" for c in load_communes()}
    paths |= {f"/categories/{c.slug}/" for c in load_categories()}
    return paths


def test_every_expected_page_is_there():
    assert {page.stem for page in PAGES} == EXPECTED_SLUGS


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_front_matter_is_complete(path):
    page = frontmatter.load(path)
    assert {"title", "slug", "summary", "order"} <= set(page.metadata) <= {"title", "slug", "summary", "order", "link"}
    assert page["slug"] == path.stem
    assert isinstance(page["order"], int)
    assert 3 <= len(page["title"]) <= 80
    assert 20 <= len(page["summary"]) <= 200
    assert len(page.content) > 800, "a page people read should say something"


def test_pages_have_distinct_orders():
    orders = [frontmatter.load(path)["order"] for path in PAGES]
    assert len(set(orders)) == len(orders)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_internal_links_lead_to_pages_of_the_site(path):
    links = re.findall(r"\]\((/[^)\s]*)\)", frontmatter.load(path).content)
    assert not set(links) - site_paths()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_no_email_address_in_the_pages(path):
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", path.read_text())


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_headings_start_below_the_page_title(path):
    headings = re.findall(r"(?m)^(#+) ", frontmatter.load(path).content)
    assert headings and min(len(h) for h in headings) == 2, "the title is the page's only level-1 heading"


def test_placeholders_for_the_deployer_are_clearly_marked():
    for slug in ("mentions-legales", "accessibilite"):
        text = (CONTENT / f"{slug}.md").read_text()
        assert "à compléter par l'organisme qui déploie" in text.lower()


def test_charter_says_help_is_free_and_gives_safety_advice_to_both_sides():
    text = (CONTENT / "charte.md").read_text()
    assert "gratuite" in text
    assert "coordonnées bancaires" in text
    assert "pas de\nla porte" in text or "pas de la porte" in text
    assert "personnes aidées" in text and "personnes qui aident" in text


def test_privacy_page_says_what_is_published_sealed_kept_and_how_to_withdraw():
    text = (CONTENT / "confidentialite.md").read_text()
    for heading in ("## Ce qui est publié", "## Ce qui reste chiffré", "## Combien de temps", "## Retirer"):
        assert heading in text
    assert "30 jours" in text and "clé de retrait" in text


def test_accessibility_link_states_the_conformance_the_statement_declares():
    page = frontmatter.load(CONTENT / "accessibilite.md")
    declared = re.search(r"est \*\*(non conforme|partiellement conforme|totalement conforme)\*\*", page.content)
    assert declared, "the statement must declare its conformance status"
    assert page["link"] == f"Accessibilité : {declared.group(1)}"
