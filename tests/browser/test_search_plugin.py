"""The entraide_search plugin on its own: settings checked, entries indexed in shards, rebuilds that write
only what changed, a site with no entry at all."""

from __future__ import annotations

import dataclasses
import gzip
import importlib
import json
import subprocess
from pathlib import Path

import pytest

from entraide.samples import generate
from tests.harness.site import PELICAN, ROOT, build_site
from tests.harness.workspace import TODAY

pytestmark = pytest.mark.browser


def plugin_module(name: str):
    """One of the plugin's modules (plugins/ is on the tests' path: pyproject.toml's pythonpath)."""
    return importlib.import_module(f"entraide_search.{name}")


@pytest.fixture(scope="module")
def search():
    return plugin_module("search")


@pytest.fixture(scope="module")
def indexing():
    return plugin_module("indexing")


@pytest.fixture
def small_shards(monkeypatch):
    """Shards of 10 entries, so a handful of entries spread over several."""
    monkeypatch.setattr(plugin_module("shards"), "SHARD_SIZE", 10)


def index(indexing, entries, output: Path, previous=None):
    salt = indexing.search_salt("fr")
    return indexing.index_entries(entries, output, previous or indexing.Manifest(), salt, "fr")


def mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def shard_list(output: Path) -> dict:
    return json.loads((output / "pagefind" / "shards.json").read_text())


def test_unknown_or_wrong_settings_are_refused_with_their_name(search):
    with pytest.raises(search.SearchSettingsError, match="unknown keys"):
        search.search_settings({"ENTRAIDE_SEARCH": {"glob": "annonces/*/index.html"}})
    with pytest.raises(search.SearchSettingsError, match="language"):
        search.search_settings({"ENTRAIDE_SEARCH": {"language": ""}})


def test_every_entry_is_indexed_once_across_the_shards(indexing, small_shards, tmp_path):
    entries = list(generate(45))
    outcome = index(indexing, entries, tmp_path)
    listed = shard_list(tmp_path)
    assert listed["entries"] == 45 and len(listed["shards"]) == 8
    fragments = [p for shard in listed["shards"] for p in (tmp_path / "pagefind" / shard / "fragment").iterdir()]
    assert len(fragments) == 45
    assert (tmp_path / "pagefind" / "pagefind.js").exists()
    assert all((tmp_path / "pagefind" / shard / "wasm.fr.pagefind").exists() for shard in listed["shards"])
    assert sorted(outcome.indexed) == list(range(8))


def test_nothing_changed_indexes_nothing_and_writes_nothing(indexing, small_shards, tmp_path):
    entries = list(generate(45))
    first = index(indexing, entries, tmp_path)
    before = mtimes(tmp_path)
    again = index(indexing, entries, tmp_path, first.manifest)
    assert again.indexed == [] and again.written == 0
    assert mtimes(tmp_path) == before


def test_one_new_entry_indexes_one_shard_again(indexing, small_shards, tmp_path):
    entries = list(generate(46))
    first = index(indexing, entries[:45], tmp_path)
    before = mtimes(tmp_path)
    again = index(indexing, entries, tmp_path, first.manifest)
    assert len(again.indexed) == 1
    changed = {name for name, mtime in mtimes(tmp_path).items() if before.get(name) != mtime}
    shard = f"pagefind/{again.indexed[0]}/"
    assert changed and all(name.startswith(shard) or name == "pagefind/shards.json" for name in changed)


def test_crossing_a_shard_boundary_by_one_entry_re_indexes_one_shard(indexing, small_shards, tmp_path):
    entries = list(generate(41))
    first = index(indexing, entries[:40], tmp_path)
    assert len(shard_list(tmp_path)["shards"]) == 4
    again = index(indexing, entries, tmp_path, first.manifest)
    assert len(shard_list(tmp_path)["shards"]) == 4 and len(again.indexed) == 1


def test_an_edited_entry_leaves_its_old_text_behind(indexing, small_shards, tmp_path):
    entries = list(generate(45))
    first = index(indexing, entries, tmp_path)
    edited = dataclasses.replace(entries[0], title="Cours de tricot au jardin")
    again = index(indexing, [edited, *entries[1:]], tmp_path, first.manifest)
    assert len(again.indexed) == 1
    titles = indexed_titles(tmp_path)
    assert titles.count("Cours de tricot au jardin") == 1
    assert titles.count(entries[0].title) == [e.title for e in entries].count(entries[0].title) - 1
    assert len(titles) == 45


def indexed_titles(output: Path) -> list[str]:
    """The titles of every page of the index, read from Pagefind's fragments (gzip, a signature, JSON)."""
    fragments = [gzip.decompress(path.read_bytes()) for path in (output / "pagefind").glob("*/fragment/*")]
    return [json.loads(data.removeprefix(b"pagefind_dcd"))["meta"]["title"] for data in fragments]


def test_a_missing_index_file_is_written_again(indexing, small_shards, tmp_path):
    entries = list(generate(45))
    first = index(indexing, entries, tmp_path)
    lost = next((tmp_path / "pagefind" / "3" / "fragment").iterdir())
    lost.unlink()
    again = index(indexing, entries, tmp_path, first.manifest)
    assert again.indexed == [3] and lost.exists()


def test_when_the_last_entries_go_the_index_goes_and_says_so(indexing, small_shards, tmp_path):
    first = index(indexing, list(generate(45)), tmp_path)
    index(indexing, [], tmp_path, first.manifest)
    assert shard_list(tmp_path) == {"entries": 0, "shards": []}
    assert sorted(p.name for p in (tmp_path / "pagefind").iterdir()) == ["shards.json"]


def test_make_html_builds_a_territory_with_no_entry(tmp_path):
    """Launch day, or every entry expired: the site builds (Pagefind alone refuses an empty site)."""
    empty = tmp_path / "submissions"
    empty.mkdir()
    output = tmp_path / "output"
    done = subprocess.run(
        # -o: the virtual environment counts as installed (the suite runs in it), make does not reinstall it
        ["make", "-o", ".venv/.installed", "html", f"SUBMISSIONS={empty}", f"OUTPUT={output}", f"PELICAN={PELICAN}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "ENTRAIDE_CACHE_PATH": str(tmp_path / "cache"), "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert shard_list(output) == {"entries": 0, "shards": []}


def test_with_no_entry_the_search_box_says_there_is_nothing_to_search_yet(page, watch, tmp_path, static_site):
    empty = tmp_path / "submissions"
    empty.mkdir()
    output = tmp_path / "output"
    built = build_site(
        empty,
        output,
        build_date=TODAY,
        cache=tmp_path / "c",
        settings={"ENDPOINT_URL": "http://127.0.0.1:9"},
        environ={"ENTRAIDE_SITE_URL": "http://127.0.0.1"},
        quiet=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    previous, static_site.root = static_site.root, output
    try:
        page.goto(static_site.url + "/")
        form = page.get_by_role("search", name="Chercher dans les annonces")
        form.get_by_label("Mots à chercher").fill("courses")
        form.get_by_role("button", name="Chercher").click()
        page.get_by_role("status").filter(has_text="rien à chercher").wait_for()
    finally:
        static_site.root = previous
    assert page.locator("#search-results li").count() == 0
    assert not watch.errors_except_blocked()
    assert not [url for url in watch.loaded if url.endswith("pagefind.js")]
