"""Search without a server: Pagefind's index built with the site, the search box on home and listing pages.

The entraide_search plugin indexes the published entries with Pagefind while the site is built (one record
per entry, filed under its commune, category and kind), in shards listed by pagefind/shards.json;
theme/templates/partials/search.html is the box, theme/static/search/search.js merges the shards, asks
Pagefind and writes results as text.
"""

from __future__ import annotations

import json

import pytest

from tests.harness.workspace import AUTHORED_ID, FIXTURE_COMMUNE, HOSTILE_ID, HOSTILE_TITLE

pytestmark = pytest.mark.browser

PAGES_WITH_SEARCH = {"home": "/", "commune": f"/communes/{FIXTURE_COMMUNE[1]}/", "category": "/categories/devoirs/"}


def search(page, words: str = "", **filters: str) -> list[str]:
    """Type into the search box as a resident would; the titles of the results shown."""
    form = page.get_by_role("search", name="Chercher dans les annonces")
    form.get_by_label("Mots à chercher").fill(words)
    for label, option in filters.items():
        form.get_by_label(label).select_option(label=option)
    form.get_by_role("button", name="Chercher").click()
    page.get_by_role("status").filter(has_text="trouvée").or_(
        page.get_by_text("Aucune annonce ne correspond")
    ).wait_for()
    return page.locator("#search-results li h3").all_inner_texts()


# What search.js does before its first search: the primary shard, then the others merged into it.
OPEN_INDEX = """async () => {
    const index = await (await fetch('/pagefind/shards.json')).json();
    const pagefind = await import('/pagefind/pagefind.js');
    await pagefind.options({ basePath: '/pagefind/' + index.shards[0] + '/', baseUrl: '/' });
    await Promise.all(index.shards.slice(1).map(shard => pagefind.mergeIndex('/pagefind/' + shard + '/')));
    return pagefind;
}"""


def test_the_build_indexes_every_published_entry(site):
    bundle = site.root / "pagefind"
    assert (bundle / "pagefind.js").exists(), "no Pagefind index: add 'entraide_search' to PLUGINS in pelicanconf.py"
    index = json.loads((bundle / "shards.json").read_text())
    published = len(list(site.root.glob("annonces/*/index.html")))
    assert index["entries"] == published
    fragments = [path for shard in index["shards"] for path in (bundle / shard / "fragment").iterdir()]
    assert len(fragments) == published, "each published entry is one page of the index"


@pytest.mark.parametrize("path", PAGES_WITH_SEARCH.values(), ids=PAGES_WITH_SEARCH.keys())
def test_search_box_is_on_home_and_listing_pages(page, site, path):
    page.goto(site.url + path)
    assert page.locator("#search-form").count() == 1, (
        f'{path} has no search box: add {{% include "partials/search.html" %}} to its template'
    )


def test_search_finds_entries_by_words(page, watch, site):
    page.goto(site.url + "/")
    found = search(page, "lecture voix haute")
    assert found[0] == "Atelier de lecture à voix haute"
    assert page.locator("#search-results a").first.get_attribute("href").endswith(f"/annonces/{AUTHORED_ID}/")
    assert not watch.blocked and not watch.errors_except_blocked()
    page.locator("#search-results a").first.click()
    # Entry pages stay out of search engines, yet our own search finds them.
    assert "noindex" in page.locator('meta[name="robots"]').get_attribute("content")


def result_metas(page) -> list[str]:
    return page.locator("#search-results li .search__result-meta").all_inner_texts()


def test_search_filters_by_commune_category_and_kind(page, site):
    page.goto(site.url + "/")
    in_meylan = search(page, "courses", Commune="Meylan")
    assert "Courses pour une voisine âgée" in in_meylan
    assert result_metas(page) and all("Meylan" in meta for meta in result_metas(page))
    offers = search(page, "courses", Commune="Meylan", **{"Demandes ou offres": "Offre d'aide"})
    assert "Courses pour une voisine âgée" not in offers
    assert all("Offre d'aide" in meta for meta in result_metas(page))
    homework = search(page, "lecture", Catégorie="Devoirs")
    assert "Atelier de lecture à voix haute" in homework
    assert all("Devoirs" in meta for meta in result_metas(page))


def test_filter_options_are_the_values_pagefind_knows(page, site):
    """The box's options and the entry pages' data-pagefind-filter values must be the same texts."""
    page.goto(site.url + "/")
    known = page.evaluate(f"async () => (await ({OPEN_INDEX})()).filters()")
    for select in page.locator("#search-form select[data-filter]").all():
        name = select.get_attribute("data-filter")
        options = set(select.locator("option").all_inner_texts())
        assert known.get(name), f"Pagefind knows no filter named {name!r}: {sorted(known)}"
        assert set(known[name]) <= options, f"{name}: values no option offers: {set(known[name]) - options}"


def test_search_asks_for_words_rather_than_downloading_the_whole_index(page, watch, site):
    page.goto(site.url + "/")
    form = page.get_by_role("search", name="Chercher dans les annonces")
    form.get_by_label("Commune").focus()
    form.get_by_label("Commune").select_option(label="Meylan")
    form.get_by_role("button", name="Chercher").click()
    page.locator("#search-status").filter(has_text="au moins un mot").wait_for()
    assert not [url for url in watch.loaded if "/pagefind/" in url and "/index/" in url]


def test_a_message_given_while_the_search_loads_stays_once_it_is_ready(page, site):
    held = []
    page.route("**/pagefind/shards.json", lambda route: held.append(route))  # answered when the test says
    page.goto(site.url + "/")
    form = page.get_by_role("search", name="Chercher dans les annonces")
    form.get_by_label("Mots à chercher").focus()
    form.get_by_role("button", name="Chercher").click()
    status = page.locator("#search-status").filter(has_text="au moins un mot")
    status.wait_for()
    assert held, "the search started loading when the box got the focus"
    held[0].continue_()
    page.locator("#search-form:not([aria-busy])").wait_for()
    assert status.is_visible(), page.locator("#search-status").inner_text()


def test_hostile_text_in_results_stays_text(page, watch, site):
    page.goto(site.url + "/")
    found = search(page, "Anticonstitutionnellementanticonstitutionnellement")
    assert HOSTILE_TITLE in found
    results = page.locator("#search-results")
    assert results.locator("img, svg, script").count() == 0
    assert page.locator(f'#search-results a[href$="/annonces/{HOSTILE_ID}/"]').count() == 1
    assert not watch.dialogs, watch.dialogs


def test_without_javascript_the_search_box_leads_to_the_lists(nojs_page, site):
    nojs_page.goto(site.url + "/")
    assert not nojs_page.locator("#search-form").is_visible()
    lists = nojs_page.locator(".search__lists")
    for name in ("par commune", "par catégorie", "sur la carte"):
        href = lists.get_by_role("link", name=name).get_attribute("href")
        assert nojs_page.request.get(site.url + href).ok, href


def test_home_page_does_not_download_the_index_before_a_search(page, watch, site):
    """Pagefind loads on the first use of the box, so the home page stays light on a phone."""
    page.goto(site.url + "/")
    page.wait_for_load_state("networkidle")
    assert not [url for url in watch.loaded if "/pagefind/" in url]


def test_search_works_under_the_strict_content_security_policy(page, watch, site, endpoint_process):
    """The documented header plus 'wasm-unsafe-eval' (Pagefind runs WebAssembly in a worker): no violation."""
    site.headers = {"Content-Security-Policy": strict_policy(endpoint_process.url)}
    try:
        page.goto(site.url + "/")
        assert search(page, "lecture voix haute")[0] == "Atelier de lecture à voix haute"
    finally:
        site.headers = {}
    refused = [text for text, _ in watch.console_errors if "Content Security Policy" in text]
    assert not refused, refused


def strict_policy(endpoint_url: str) -> str:
    return (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:; "
        f"form-action 'self' {endpoint_url}; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    )


def test_results_come_ten_at_a_time(page, site):
    page.goto(site.url + "/")
    first = search(page, "courses")
    status = page.locator("#search-status").inner_text()
    total = int(status.split()[0])
    assert total > 10 and len(first) == 10, status
    page.get_by_role("button", name="Voir plus de résultats").click()
    page.locator("#search-results li").nth(min(total, 20) - 1).wait_for()
    assert page.locator("#search-results li").count() == min(total, 20)


def test_search_with_the_keyboard_only(page, site):
    page.goto(site.url + "/")
    page.get_by_label("Mots à chercher").focus()
    page.keyboard.type("lecture")
    page.keyboard.press("Enter")
    first = page.locator("#search-results li a").first
    first.wait_for()
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#search-results') !== null"):
            break
    else:
        pytest.fail("the results cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/annonces/**")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Atelier de lecture à voix haute"
