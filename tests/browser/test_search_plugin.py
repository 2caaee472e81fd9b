"""The entraide_search plugin on its own: settings checked, entry pages indexed, unchanged rebuilds write nothing."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.harness.site import ROOT


@pytest.fixture(scope="module")
def search():
    spec = importlib.util.spec_from_file_location(
        "entraide_search_under_test", ROOT / "plugins/entraide_search/search.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def built(site, tmp_path) -> Path:
    """A copy of the fixture site's entry pages, without any index."""
    output = tmp_path / "output"
    shutil.copytree(site.root / "annonces", output / "annonces")
    return output


def mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_unknown_or_wrong_settings_are_refused_with_their_name(search):
    with pytest.raises(search.SearchSettingsError, match="unknown keys"):
        search.search_settings({"ENTRAIDE_SEARCH": {"glop": "x"}})
    with pytest.raises(search.SearchSettingsError, match="glob"):
        search.search_settings({"ENTRAIDE_SEARCH": {"glob": ""}})


def test_indexes_entry_pages_and_leaves_the_index_alone_when_nothing_changed(search, built, tmp_path):
    pelican = SimpleNamespace(output_path=str(built), settings={"ENTRAIDE_SEARCH": {"cache_path": str(tmp_path)}})
    search.index_site(pelican)
    bundle = built / "pagefind"
    fragments = list((bundle / "fragment").iterdir())
    assert len(fragments) == len(list(built.glob("annonces/*/index.html")))
    before = mtimes(bundle)
    search.index_site(pelican)
    assert mtimes(bundle) == before, "a rebuild with nothing changed must write no index file"


def test_one_changed_page_rewrites_only_what_changed(search, built, tmp_path):
    pelican = SimpleNamespace(output_path=str(built), settings={"ENTRAIDE_SEARCH": {"cache_path": str(tmp_path)}})
    search.index_site(pelican)
    before = mtimes(built / "pagefind")
    page = sorted(built.glob("annonces/*/index.html"))[0]
    page.write_text(page.read_text("utf-8").replace("</h1>", " mis à jour</h1>", 1), "utf-8")
    search.index_site(pelican)
    after = mtimes(built / "pagefind")
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed, "the changed page was not indexed again"
    assert len(changed) < len(after) / 4, f"{len(changed)} of {len(after)} index files rewritten"
