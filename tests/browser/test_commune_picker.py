"""The home page's commune picker: a name or a postal code narrows the list of the 49 communes."""

import pytest

pytestmark = pytest.mark.browser


def visible_communes(page) -> list[str]:
    return page.locator("[data-commune-picker] .commune-list li:visible a").all_inner_texts()


def test_a_postal_code_or_a_name_without_accents_finds_the_commune(page, site):
    page.goto(site.url + "/")
    search = page.get_by_label("Nom de la commune ou code postal")
    assert len(visible_communes(page)) == 49
    search.fill("38100")
    assert visible_communes(page) == ["Grenoble"]
    assert page.locator("#communes-trouvees").inner_text() == "1 commune trouvée"
    search.fill("st egreve")
    assert visible_communes(page) == ["Saint-Égrève"]
    search.fill("martin")
    assert visible_communes(page) == ["Mont-Saint-Martin", "Saint-Martin-d'Hères", "Saint-Martin-le-Vinoux"]
    search.fill("")
    assert len(visible_communes(page)) == 49


def test_enter_opens_the_only_commune_found(page, site):
    page.goto(site.url + "/")
    search = page.get_by_label("Nom de la commune ou code postal")
    search.fill("echirolles")
    search.press("Enter")
    page.wait_for_url(site.url + "/communes/echirolles/")
    assert "Échirolles" in page.get_by_role("heading", level=1).inner_text()
