"""The map's template and script, read as text: guards against the classic mistakes.

The real proof (a hostile title shown as text, no dialog) is in the browser test; these checks make a
regression visible in a second without a browser.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAP_JS = ROOT / "theme" / "static" / "js" / "map.js"
MAP_HTML = ROOT / "theme" / "templates" / "map.html"
STATIC = ROOT / "theme" / "static"


def code_of(path: Path) -> str:
    """The script without its comments, so a comment explaining a rule does not trip the check."""
    text = path.read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?m)^\s*//.*$|\s//\s.*$", "", text)


def test_map_script_never_turns_text_into_html():
    code = code_of(MAP_JS)
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "createContextualFragment",
        "DOMParser",
    ):
        assert sink not in code, f"map.js uses {sink}: build elements and set textContent instead"


def test_popups_tooltips_and_icons_are_given_elements_not_strings():
    code = code_of(MAP_JS)
    # bindPopup / bindTooltip / setContent with a string or a concatenation would be parsed as HTML.
    assert not re.search(r"\b(bindPopup|bindTooltip|setContent|setTooltipContent|setPopupContent)\(\s*['\"`]", code)
    assert not re.search(r"\bhtml\s*:\s*['\"`]", code)
    for call in re.finditer(r"\b(bindPopup|bindTooltip)\(\s*(\w+)", code):
        assert call.group(2) == "function", f"{call.group(1)} must be given a function returning an element"


def test_links_from_the_data_are_restricted_to_this_site():
    code = code_of(MAP_JS)
    assert re.search(r"/\^\\/\(\?!\\/\)/", code), "siteUrl() must only accept paths starting with one slash"
    assert ".href = siteUrl(" in code


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1


def parsed_template() -> _Collector:
    collector = _Collector()
    collector.feed(MAP_HTML.read_text())
    return collector


def test_template_has_no_inline_script_or_style_for_a_strict_csp():
    page = parsed_template()
    assert page.inline_scripts == 0
    for tag, attrs in page.tags:
        assert "style" not in attrs, f"<{tag}> has a style attribute"
        assert not [a for a in attrs if a.startswith("on")], f"<{tag}> has an event handler attribute"
        assert tag != "style"


def test_template_scripts_and_stylesheets_exist_in_the_theme():
    page = parsed_template()
    references = [
        attrs.get("src") or attrs.get("href")
        for tag, attrs in page.tags
        if tag == "script" or (tag == "link" and attrs.get("rel") == "stylesheet")
    ]
    assert len(references) == 7  # Leaflet, markercluster, map (CSS and JS each), and the no-JavaScript CSS
    for reference in references:
        path = reference.replace("{{ SITEURL }}/theme/", "")
        assert (STATIC / path).is_file(), f"{reference} is not in theme/static/"


def test_map_settings_come_from_data_attributes_of_the_map():
    page = parsed_template()
    attrs = next(attrs for tag, attrs in page.tags if attrs.get("id") == "map")
    assert attrs["data-tile-url"] == "{{ MAP_TILE_URL }}"
    assert attrs["data-tile-attribution"] == "{{ MAP_TILE_ATTRIBUTION }}"
    assert attrs["data-tile-max-zoom"] == "{{ MAP_TILE_MAX_ZOOM }}"
    code = code_of(MAP_JS)
    for key in ("tileUrl", "tileAttribution", "tileMaxZoom", "communesUrl", "siteUrl"):
        assert f"dataset.{key}" in code


def test_a_visible_link_leads_to_the_lists_for_people_who_cannot_use_a_map():
    page = parsed_template()
    links = [attrs.get("href") for tag, attrs in page.tags if tag == "a"]
    assert "{{ SITEURL }}/communes/" in links
