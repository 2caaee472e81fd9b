"""The one pipeline of entry files: what the build loads, `entraide check` and the endpoint read it the same way."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from entraide import pipeline
from entraide.entries import Entry, to_yaml, write_entry
from entraide.pipeline import InvalidEntries, check_file, check_text, load, load_entries
from entraide.samples import generate

PHONE = "Appelez-moi au 06 12 34 56 78 le soir."
PAYMENT = "Je fais vos courses pour 10 € de l'heure."


def an_entry(**changes: str) -> Entry:
    """A valid entry in Grenoble, without a location."""
    return replace(next(generate(1)), **{"id": "grenoble-aide-01", "commune": "38185", **changes})


def test_every_broken_file_is_listed_with_its_line_in_checks_words(tmp_path: Path) -> None:
    write_entry(tmp_path, an_entry())
    broken = tmp_path / "grenoble" / "grenoble-broken-1.yaml"
    broken.write_text(to_yaml(an_entry(id="grenoble-broken-1")).replace("kind: offer", "kind: gift"), "utf-8")
    unreadable = tmp_path / "grenoble" / "grenoble-broken-2.yaml"
    unreadable.write_text("id: [unclosed\n", "utf-8")
    with pytest.raises(InvalidEntries) as raised:
        load_entries(tmp_path)
    text = str(raised.value)
    assert f"{tmp_path}/grenoble/grenoble-broken-1.yaml:2: kind: doit être l'une de ces valeurs" in text
    assert f"{tmp_path}/grenoble/grenoble-broken-2.yaml:2: fichier: YAML illisible" in text


def test_contact_details_in_public_text_are_an_error_of_the_load(tmp_path: Path) -> None:
    path = write_entry(tmp_path, an_entry(description=PHONE))
    with pytest.raises(InvalidEntries) as raised:
        load_entries(tmp_path)
    [error] = raised.value.errors
    assert str(error) == (
        f"{path}:6: description: contient un numéro de téléphone : retirez-les, le site ne publie jamais de "
        "coordonnées ; indiquez-les dans les champs privés « e-mail » ou « téléphone »"
    )


def test_a_payment_mention_is_a_warning_and_the_entry_is_loaded(tmp_path: Path) -> None:
    entry = an_entry(description=PAYMENT)
    path = write_entry(tmp_path, entry)
    loaded = load(tmp_path)
    assert loaded.entries == [entry]
    assert [str(w) for w in loaded.warnings] == [
        f"{path}:6: description: avertissement : mention de paiement (« {PAYMENT} ») : l'aide est gratuite ; "
        "acceptez un remboursement de frais (courses), refusez une demande de paiement"
    ]


def test_the_same_id_in_two_communes_is_refused_on_the_newer_file(tmp_path: Path) -> None:
    older = an_entry(created="2026-11-01T10:00:00+01:00")
    write_entry(tmp_path, older)
    twin = tmp_path / "meylan" / f"{older.id}.yaml"
    twin.parent.mkdir(exist_ok=True)
    twin.write_text(to_yaml(replace(older, commune="38229", created="2026-11-02T10:00:00+01:00")), "utf-8")
    with pytest.raises(InvalidEntries) as raised:
        load_entries(tmp_path)
    assert [str(e) for e in raised.value.errors] == [
        f"{twin}:1: id: « {older.id} » est déjà l'id de {tmp_path}/{older.commune_slug}/{older.id}.yaml : "
        "chaque annonce doit avoir un id unique ; renommez l'une des deux (id et nom du fichier)"
    ]


def test_what_check_refuses_as_out_of_place_the_load_refuses_too(tmp_path: Path) -> None:
    write_entry(tmp_path, an_entry())
    (tmp_path / "README.md").write_text("# Annonces\n", "utf-8")  # keeps the folder in git: fine
    (tmp_path / "perdu.yaml").write_text(to_yaml(an_entry()), "utf-8")
    with pytest.raises(InvalidEntries) as raised:
        load_entries(tmp_path)
    assert [e.path for e in raised.value.errors] == [f"{tmp_path}/perdu.yaml"]
    assert "fichier hors d'un dossier de commune" in raised.value.errors[0].message


def test_the_cache_serves_unchanged_files_and_sees_every_change(tmp_path: Path) -> None:
    root, cache = tmp_path / "submissions", tmp_path / "cache" / "entries.pickle"
    entries = list(generate(30))
    for entry in entries:
        write_entry(root, entry)
    assert load_entries(root, cache_path=cache) == load_entries(root)
    changed = entries[0]
    path = write_entry(root, replace(changed, location=None, title="Titre changé"))
    write_entry(root, entries[1]).unlink()
    loaded = {e.id: e for e in load_entries(root, cache_path=cache)}
    assert loaded[changed.id].title == "Titre changé"
    assert entries[1].id not in loaded and len(loaded) == 29
    path.write_text("kind: [", "utf-8")
    with pytest.raises(InvalidEntries, match=path.name):
        load_entries(root, cache_path=cache)
    cache.write_bytes(b"not a pickle")
    path.unlink()
    assert len(load_entries(root, cache_path=cache)) == 28


def test_a_cached_entry_keeps_its_warning_and_a_cached_one_edited_is_checked_again(tmp_path: Path) -> None:
    root, cache = tmp_path / "submissions", tmp_path / "cache" / "entries.pickle"
    path = write_entry(root, an_entry(description=PAYMENT))
    first = load(root, cache_path=cache)
    assert load(root, cache_path=cache).warnings == first.warnings and len(first.warnings) == 1
    path.write_text(path.read_text("utf-8").replace(PAYMENT, PHONE), "utf-8")
    os.utime(path, ns=(1, 1))  # whatever the clock's resolution, the file is seen as changed
    with pytest.raises(InvalidEntries, match="numéro de téléphone"):
        load(root, cache_path=cache)


def test_many_files_are_read_in_parallel_with_the_same_result(tmp_path: Path, monkeypatch) -> None:
    for entry in generate(60):
        write_entry(tmp_path, entry)
    write_entry(tmp_path, an_entry(description=PAYMENT))
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 10)
    assert load(tmp_path, workers=2) == load(tmp_path, workers=1)


def test_text_read_elsewhere_goes_through_the_same_rules_as_a_file(tmp_path: Path) -> None:
    path = write_entry(tmp_path, an_entry(description=PHONE))
    from_github = check_text(path.read_text("utf-8"), path)
    assert from_github.entry is None
    assert from_github.findings == check_file(path).findings
