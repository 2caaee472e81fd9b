"""Building: invalid entries stop the build and write nothing; expiry; rebuilds touch only what changed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import entraide
from entraide.entries import write_entry
from tests.harness.repository import run_entraide
from tests.harness.site import ROOT, build_environ

from .site_fixtures import BUILD_DATE, build, make_entry, write_entries


def snapshot(output: Path) -> dict[str, int]:
    return {str(p.relative_to(output)): p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()}


def test_a_broken_entry_stops_the_build_and_names_the_file(tmp_path: Path) -> None:
    submissions = write_entries(tmp_path / "submissions", [make_entry(1, "38185"), make_entry(2, "38151")])
    broken = submissions / "grenoble" / "fixture-0001.yaml"
    broken.write_text(broken.read_text("utf-8").replace("title: Annonce numéro 1", "title: A"), "utf-8")
    result = build(submissions, tmp_path / "output", tmp_path / "cache")
    assert result.returncode != 0
    assert "submissions/grenoble/fixture-0001.yaml:5: title: trop court" in result.stderr
    assert "rien n'a été construit" in result.stderr + result.stdout
    assert not (tmp_path / "output").exists()


def test_contact_details_stop_the_build_with_the_words_of_entraide_check(tmp_path: Path) -> None:
    """An entry merged without CI: the build refuses what `entraide check` refuses, in the same words."""
    phoned = make_entry(1, "38185", description="Appelez-moi au 06 12 34 56 78 le soir.")
    submissions = write_entries(tmp_path / "submissions", [phoned, make_entry(2, "38151")])

    result = build(submissions, tmp_path / "output", tmp_path / "cache")
    checked = run_entraide("check", str(submissions), "--date", BUILD_DATE, cwd=ROOT)

    expected = (
        f"{submissions}/grenoble/fixture-0001.yaml:6: description: contient un numéro de téléphone : retirez-les, "
        "le site ne publie jamais de coordonnées ; indiquez-les dans les champs privés « e-mail » ou « téléphone »"
    )
    assert checked.code == 1
    assert expected in checked.out.splitlines(), checked.out
    assert result.returncode != 0
    assert expected in result.stderr.splitlines(), result.stderr
    assert "rien n'a été construit" in result.stdout + result.stderr
    assert not (tmp_path / "output").exists()


def test_a_payment_mention_is_printed_as_checks_warning_and_the_entry_is_published(tmp_path: Path) -> None:
    paid = make_entry(1, "38185", description="Je fais vos courses pour 10 € de l'heure.")
    submissions = write_entries(tmp_path / "submissions", [paid])

    result = build(submissions, tmp_path / "output", tmp_path / "cache")

    assert result.returncode == 0, result.stderr + result.stdout
    assert (
        f"{submissions}/grenoble/fixture-0001.yaml:6: description: avertissement : mention de paiement "
        "(« Je fais vos courses pour 10 € de l'heure. ») : l'aide est gratuite ; acceptez un remboursement de "
        "frais (courses), refusez une demande de paiement"
    ) in result.stderr.splitlines()
    assert (tmp_path / "output" / "annonces" / "fixture-0001" / "index.html").is_file()


def test_a_broken_entry_leaves_the_previous_site_untouched(tmp_path: Path) -> None:
    submissions = write_entries(tmp_path / "submissions", [make_entry(1, "38185")])
    assert build(submissions, tmp_path / "output", tmp_path / "cache").returncode == 0
    before = snapshot(tmp_path / "output")
    (submissions / "grenoble" / "fixture-0002.yaml").write_text("id: fixture-0002\nkind: offre\n", "utf-8")
    result = build(submissions, tmp_path / "output", tmp_path / "cache")
    assert result.returncode != 0
    assert "fixture-0002.yaml:2: kind" in result.stderr
    assert snapshot(tmp_path / "output") == before


def test_rebuilds_write_only_what_changed_and_remove_what_expired(tmp_path: Path) -> None:
    entries = [make_entry(n, "38185", expires="2026-12-10") for n in range(1, 4)]
    entries.append(make_entry(9, "38151", expires="2027-01-31"))
    submissions, output, cache = write_entries(tmp_path / "submissions", entries), tmp_path / "out", tmp_path / "c"
    assert build(submissions, output, cache).returncode == 0
    first = snapshot(output)

    assert build(submissions, output, cache).returncode == 0
    assert snapshot(output) == first, "a rebuild with nothing changed writes no file"

    changed = make_entry(9, "38151", expires="2027-01-31", title="Titre corrigé par l'auteur")
    write_entry(submissions, changed)
    assert build(submissions, output, cache).returncode == 0
    second = snapshot(output)
    rewritten = {name for name in second if second[name] != first.get(name)}
    assert "annonces/fixture-0009/index.html" in rewritten
    assert "communes/grenoble/index.html" not in rewritten
    assert len(rewritten) <= 15, sorted(rewritten)
    assert "Titre corrigé" in (output / "annonces/fixture-0009/index.html").read_text("utf-8")

    assert build(submissions, output, cache, build_date="2026-12-11").returncode == 0
    assert not (output / "annonces/fixture-0001").exists(), "an expired entry's page is removed"
    assert "fixture-0001" not in (output / "communes/grenoble/index.html").read_text("utf-8")
    assert "fixture-0001" not in (output / "geo/grenoble.geojson").read_text("utf-8")
    assert (output / "annonces/fixture-0009/index.html").is_file()


def test_the_makefile_builds_another_folder_as_of_a_date(tmp_path: Path) -> None:
    submissions = write_entries(tmp_path / "submissions", [make_entry(1, "38185", expires="2026-12-05")])
    env = build_environ(tmp_path / "cache", ENTRAIDE_SEARCH_ENABLED="0")
    command = [
        "make",
        "--no-print-directory",
        "html",
        f"SUBMISSIONS={submissions}",
        f"OUTPUT={tmp_path / 'out'}",
        "BUILD_DATE=2026-12-06",
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out/communes/grenoble/index.html").is_file()
    assert not (tmp_path / "out/annonces/fixture-0001").exists()


def test_without_the_map_template_the_rest_of_the_site_builds(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme, ignore=shutil.ignore_patterns("map.html"))
    submissions = write_entries(tmp_path / "submissions", [make_entry(1, "38185")])
    result = build(submissions, tmp_path / "out", tmp_path / "cache", settings={"THEME": str(theme)})
    assert result.returncode == 0, result.stderr
    assert "map.html is missing" in result.stdout + result.stderr
    assert (tmp_path / "out/communes/grenoble/index.html").is_file()
    assert not (tmp_path / "out/carte").exists()


def test_editing_the_forms_shared_macros_renders_the_pages_again(tmp_path: Path, monkeypatch) -> None:
    """The fields' macros live in the core package (the endpoint uses them too), not in the theme: still site code."""
    from entraide_site.inputs import code_digest

    core = tmp_path / "entraide"
    shutil.copytree(Path(entraide.__file__).parent, core, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(entraide, "__file__", str(core / "__init__.py"))
    settings = SimpleNamespace(theme_path=str(ROOT / "theme"), content_path=str(ROOT / "content"))
    before = code_digest(settings)
    macros = core / "templates" / "form_fields.html"
    macros.write_text(macros.read_text("utf-8").replace("(obligatoire)", "(requis)"), "utf-8")
    assert code_digest(settings) != before
