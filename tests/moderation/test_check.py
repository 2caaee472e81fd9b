"""`entraide check`: each rule caught with the right file, line and exit status; GitHub annotations."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from entraide import pipeline
from entraide.moderation import checks
from tests.harness.repository import make_entry, run_entraide, write

# A valid entry as a person would write it by hand, with the lines the tests point at.
VALID = """\
id: {id}
kind: offer
category: groceries
commune: '38185'
title: {title}
description: |
  {description}
  Je passe le samedi matin.
name: Léa
availability: Le week-end
created: '2026-11-01T10:00:00+01:00'
expires: '2026-12-01'
contact: sealed:v1:{fingerprint}:{box}
"""
LINES = {"id": 1, "commune": 4, "title": 5, "description": 6, "name": 9, "created": 11, "expires": 12, "contact": 13}


def valid_text(entry_id: str, **changes: str) -> str:
    values = {
        "id": entry_id,
        "title": "Courses pour les voisins",
        "box": entry_id.replace("-", "") * 2,
        "fingerprint": hashlib.sha256(entry_id.encode()).hexdigest()[:24],
        "description": f"Je fais les courses pour qui ne peut pas sortir ({entry_id}).",
    }
    values.update(changes)
    return VALID.format(**values)


def put(repo: Path, relative: str, text: str) -> Path:
    path = repo / "submissions" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lines_of(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("submissions")]


def test_valid_entries_pass(repo, cli):
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001"))
    put(repo, "meylan/bonjour-0002.yaml", valid_text("bonjour-0002").replace("'38185'", "'38229'"))

    result = cli("check")

    assert result.code == 0, result.out
    assert "2 fichiers vérifiés : 0 erreur, 0 avertissement." in result.out


@pytest.mark.parametrize(
    ("relative", "text", "key", "words"),
    [
        (
            "grenoble/bonjour-0001.yaml",
            valid_text("bonjour-0001").replace("'38185'", "'99999'"),
            "commune",
            "n'est pas le code INSEE",
        ),
        ("meylan/bonjour-0001.yaml", valid_text("bonjour-0001"), "commune", "dans le dossier grenoble/"),
        ("grenoble/autre-nom-0001.yaml", valid_text("bonjour-0001"), "id", "diffère du nom du fichier"),
        (
            "grenoble/bonjour-0001.yaml",
            valid_text("bonjour-0001").replace("expires: '2026-12-01'", "expires: '2026-10-01'"),
            "expires",
            "antérieure à la date de création",
        ),
        (
            "grenoble/bonjour-0001.yaml",
            valid_text("bonjour-0001").replace("created: '2026-11-01T10:00:00+01:00'", "created: 'hier'"),
            "created",
            "date et heure ISO 8601",
        ),
        (
            "grenoble/bonjour-0001.yaml",
            valid_text("bonjour-0001", title="Courses, écrire à lea@example.org"),
            "title",
            "contient une adresse e-mail",
        ),
        (
            "grenoble/bonjour-0001.yaml",
            valid_text("bonjour-0001", title='"Courses \\uFFFE du samedi"'),  # a YAML escape: raw U+FFFE is unreadable
            "title",
            "caractère interdit (comme U+FFFE ou U+FFFF)",
        ),
        (
            "grenoble/bonjour-0001.yaml",
            valid_text("bonjour-0001", title='"Courses \\U0010FFFF"'),
            "title",
            "caractère interdit",
        ),
        (
            "grenoble/bonjour-0001.yaml",
            valid_text("bonjour-0001", description="Appelez le 06 12 34 56 78 le soir."),
            "description",
            "contient un numéro de téléphone",
        ),
        (
            "grenoble/bonjour-0001.yaml",
            valid_text("bonjour-0001", description="Voir www.mon-site.fr pour tout."),
            "description",
            "contient un lien",
        ),
    ],
)
def test_each_error_names_file_line_and_key(repo, cli, relative, text, key, words):
    put(repo, relative, text)

    result = cli("check")

    assert result.code == 1
    found = lines_of(result.out)
    assert len(found) == 1, result.out
    assert found[0].startswith(f"submissions/{relative}:{LINES[key]}: {key}: ")
    assert words in found[0]
    assert "1 erreur" in result.out


def test_location_outside_the_commune_is_an_error_on_its_line(repo, cli):
    text = valid_text("bonjour-0001").replace(
        "availability: Le week-end\n", "availability: Le week-end\nlocation:\n  lat: 45.19\n  lon: 5.78\n"
    )
    put(repo, "grenoble/bonjour-0001.yaml", text)  # 45.19, 5.78 is in Gières, beyond the 300 m tolerance

    result = cli("check")

    assert result.code == 1
    assert lines_of(result.out)[0].startswith("submissions/grenoble/bonjour-0001.yaml:11: location: le point est à")


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf"])
def test_a_location_that_is_not_a_real_number_is_an_error_on_its_line(repo, cli, value):
    text = valid_text("bonjour-0001").replace(
        "availability: Le week-end\n", f"availability: Le week-end\nlocation:\n  lat: {value}\n  lon: 5.72\n"
    )
    put(repo, "grenoble/bonjour-0001.yaml", text)

    result = cli("check")

    assert result.code == 1
    [line] = lines_of(result.out)
    assert line.startswith("submissions/grenoble/bonjour-0001.yaml:11: location: ")
    assert ("de vrais nombres" if "nan" in value.lower() else "hors limites") in line


def test_unreadable_yaml_is_reported_on_its_line(repo, cli):
    put(repo, "grenoble/bonjour-0001.yaml", "id: bonjour-0001\nkind: offer\ntitle: 'pas fermé\nname: x\n")

    result = cli("check")

    assert result.code == 1
    assert "YAML illisible" in result.out
    assert "submissions/grenoble/bonjour-0001.yaml:" in result.out


def test_payment_mention_is_a_warning_with_exit_zero(repo, cli):
    put(
        repo,
        "grenoble/bonjour-0001.yaml",
        valid_text("bonjour-0001", description="Je fais vos courses pour 10 € de l'heure, payant."),
    )

    result = cli("check")

    assert result.code == 0
    found = lines_of(result.out)
    assert found == [found[0]]
    assert found[0].startswith(
        "submissions/grenoble/bonjour-0001.yaml:6: description: avertissement : mention de paiement"
    )
    assert "1 avertissement" in result.out


def test_same_text_is_a_possible_duplicate_on_the_newer_entry(repo, cli):
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001", description="Même texte, mot pour mot."))
    newer = valid_text("bonjour-0002", description="Même   texte, MOT pour mot.")
    newer = newer.replace("2026-11-01T10", "2026-11-02T10")
    put(repo, "meylan/bonjour-0002.yaml", newer.replace("'38185'", "'38229'"))

    result = cli("check")

    assert result.code == 0
    assert lines_of(result.out) == [
        "submissions/meylan/bonjour-0002.yaml:5: title: avertissement : doublon possible : même titre et même "
        "description que submissions/grenoble/bonjour-0001.yaml ; gardez une seule des deux annonces si c'est la "
        "même personne"
    ]


def test_same_sealed_contact_is_a_possible_duplicate(repo, cli, keys):
    write(repo / "submissions", make_entry(keys, 1, email="meme@example.org"))
    write(
        repo / "submissions",
        make_entry(keys, 2, email="MEME@example.org ", created="2026-11-03T10:00:00+01:00", category="homework"),
    )
    write(repo / "submissions", make_entry(keys, 3, email="autre@example.org"))

    result = cli("check")

    assert result.code == 0
    found = lines_of(result.out)
    assert len(found) == 1, result.out
    assert found[0].startswith("submissions/grenoble/test-2026-0002.yaml:")
    assert "contact: avertissement : doublon possible : même contact (scellé) que " in found[0]
    assert "submissions/grenoble/test-2026-0001.yaml" in found[0]
    assert "meme@example.org" not in result.out


def test_without_the_private_key_one_persons_entries_are_not_linked_and_the_check_says_so(repo, cli, keys, monkeypatch):
    """The public repository's CI has no key: nothing in the files tells two entries of one person apart."""
    write(repo / "submissions", make_entry(keys, 1, email="meme@example.org"))
    write(repo / "submissions", make_entry(keys, 2, email="meme@example.org", created="2026-11-03T10:00:00+01:00"))
    monkeypatch.delenv("ENTRAIDE_PRIVATE_KEY")

    result = cli("check")

    assert result.code == 0
    assert lines_of(result.out) == [], result.out
    assert "2 fichiers vérifiés : 0 erreur, 0 avertissement." in result.out
    assert "Même contact qu'une autre annonce : non vérifié pour 2 fichiers" in result.out
    assert "ENTRAIDE_PRIVATE_KEY" in result.out


def test_old_v1_contacts_are_still_linked_by_their_written_fingerprint_without_the_key(repo, cli, monkeypatch):
    monkeypatch.delenv("ENTRAIDE_PRIVATE_KEY")
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001", fingerprint="0123456789abcdef01234567"))
    later = valid_text("bonjour-0002", fingerprint="0123456789abcdef01234567").replace("2026-11-01T10", "2026-11-05T10")
    put(repo, "grenoble/bonjour-0002.yaml", later)

    result = cli("check")

    assert result.code == 0
    assert [line.split(": ", 1)[0] for line in lines_of(result.out)] == ["submissions/grenoble/bonjour-0002.yaml:13"]
    assert "même contact (scellé) que submissions/grenoble/bonjour-0001.yaml" in result.out
    assert "non vérifié" not in result.out


def test_duplicate_id_across_folders_is_an_error(repo, cli):
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001"))
    put(
        repo,
        "meylan/bonjour-0001.yaml",
        valid_text("bonjour-0001", description="Un autre texte.").replace("'38185'", "'38229'"),
    )

    result = cli("check")

    assert result.code == 1
    assert any(
        line.startswith(
            "submissions/meylan/bonjour-0001.yaml:1: id: « bonjour-0001 » est déjà l'id de "
            "submissions/grenoble/bonjour-0001.yaml"
        )
        for line in lines_of(result.out)
    ), result.out


def test_the_folders_readme_that_keeps_it_in_git_is_not_a_stray_file(repo, cli):
    put(repo, "README.md", "# Annonces publiées\n")
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001"))

    result = cli("check", "--date", "2026-11-15")

    assert result.code == 0, result.out
    assert "1 fichier vérifié : 0 erreur, 0 avertissement." in result.out


def test_stray_files_say_how_to_fix_them(repo, cli):
    put(repo, "perdu.yaml", valid_text("perdu-0001"))
    put(repo, "nulle-part/bonjour-0001.yaml", valid_text("bonjour-0001"))
    put(repo, "grenoble/bonjour-0002.yml", valid_text("bonjour-0002"))
    put(repo, "grenoble/archives/bonjour-0003.yaml", valid_text("bonjour-0003"))
    put(repo, "grenoble/.brouillon.yaml", "x")

    output = cli("check").out

    assert (
        "submissions/perdu.yaml:1: fichier: fichier hors d'un dossier de commune : déplacez-le dans "
        "submissions/<commune>/" in output
    )
    assert "submissions/nulle-part/:1: fichier: dossier inconnu : chaque dossier porte le nom d'une commune" in output
    assert (
        "submissions/grenoble/bonjour-0002.yml:1: fichier: le fichier doit se terminer par .yaml : renommez-le "
        "en bonjour-0002.yaml" in output
    )
    assert "submissions/grenoble/archives/:1: fichier: sous-dossier inattendu" in output
    assert "submissions/grenoble/.brouillon.yaml:1: fichier: avertissement : fichier caché" in output


def test_github_format_prints_annotations_on_the_lines(repo, cli):
    put(
        repo,
        "grenoble/bonjour-0001.yaml",
        valid_text("bonjour-0001", description="Écrivez à lea@example.org, 5 € de l'heure."),
    )

    result = cli("check", "--format", "github")

    assert result.code == 1
    annotations = [line for line in result.out.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error file=submissions/grenoble/bonjour-0001.yaml,line=6,title=Entraide %3A description::contient une "
        "adresse e-mail : retirez-les, le site ne publie jamais de coordonnées ; indiquez-les dans les champs privés "
        "« e-mail » ou « téléphone »",
        "::warning file=submissions/grenoble/bonjour-0001.yaml,line=6,title=Entraide %3A description::mention de "
        "paiement (« Écrivez à lea@example.org, 5 € de l'heure. Je passe le samedi matin. ») : l'aide est gratuite ; "
        "acceptez un remboursement de frais (courses), refusez une demande de paiement",
    ]


def test_pull_request_mode_checks_only_the_changed_files_against_all_entries(repo, cli, keys):
    write(
        repo / "submissions",
        make_entry(keys, 1, title="Déjà publiée", description="Le même texte exactement. Je passe le samedi matin."),
    )
    put(repo, "meylan/bonjour-0001.yaml", valid_text("bonjour-0001").replace("'38185'", "'99999'"))  # not in the PR
    new = put(
        repo,
        "grenoble/nouvelle-0002.yaml",
        valid_text("nouvelle-0002", title="Déjà publiée", description="Le même texte exactement.").replace(
            "2026-11-01T10", "2026-11-05T10"
        ),
    )
    (repo / "Makefile").write_text("all:\n")

    result = cli(
        "check",
        "--format",
        "github",
        "--pull-request",
        str(new.relative_to(repo)),
        "Makefile",
        "submissions/grenoble/supprimee-0003.yaml",
    )

    assert result.code == 0, result.out
    annotations = [line for line in result.out.splitlines() if line.startswith("::")]
    assert annotations == [
        "::warning file=Makefile,line=1,title=Entraide %3A fichier::fichier hors de submissions/ : une pull request "
        "d'annonce ne modifie que des annonces ; ne fusionnez pas sans l'avis de l'équipe informatique",
        "::warning file=submissions/grenoble/nouvelle-0002.yaml,line=5,title=Entraide %3A title::doublon possible : "
        "même titre et même description que submissions/grenoble/test-2026-0001.yaml ; gardez une seule des deux "
        "annonces si c'est la même personne",
    ]
    assert "1 fichier vérifié" in result.out


def test_pull_request_mode_without_files_checks_nothing(repo, cli):
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001").replace("'38185'", "'99999'"))

    result = cli("check", "--pull-request")

    assert result.code == 0
    assert "Aucun fichier modifié" in result.out


def test_already_expired_entry_is_a_warning(repo, cli):
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001"))

    result = cli("check", "--date", "2026-12-02")

    assert result.code == 0
    assert lines_of(result.out) == [
        "submissions/grenoble/bonjour-0001.yaml:12: expires: avertissement : annonce "
        "expirée le 01/12/2026 : le site ne l'affiche plus et `entraide expire` la "
        "supprimera"
    ]


def test_entry_dated_after_today_is_a_warning_saying_it_is_not_published_yet(repo, cli):
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001"))

    result = cli("check", "--date", "2026-10-31")

    assert result.code == 0
    assert lines_of(result.out) == [
        "submissions/grenoble/bonjour-0001.yaml:11: created: avertissement : annonce datée du 01/11/2026, "
        "après le 31/10/2026 : le site ne la publiera qu'à partir de ce jour ; vérifiez la date de création"
    ]


def test_parallel_check_finds_exactly_what_the_sequential_one_finds(repo, keys, monkeypatch):
    for number in range(60):
        write(
            repo / "submissions",
            make_entry(
                keys,
                number,
                email=f"p{number % 50}@example.org",
                title="Courses" if number % 7 else "Courses du samedi",
                description="La même description pour tous.",
            ),
        )
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001", title="Écrire à a@b.fr"))
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 1)

    sequential = checks.check_paths([Path("submissions")], workers=1, keys=keys)
    parallel = checks.check_paths([Path("submissions")], workers=2, keys=keys)

    assert parallel.findings == sequential.findings
    assert len(sequential.errors) == 1
    # same contact: p0…p9 are used twice; same text: 9 entries share one title, 51 the other
    assert len(sequential.warnings) == 10 + (9 - 1) + (51 - 1)


def test_check_as_a_separate_process_exits_one_on_errors(repo):
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001", title="x"))

    result = run_entraide("check", cwd=repo)

    assert result.code == 1
    assert "submissions/grenoble/bonjour-0001.yaml:5: title: trop court" in result.out
    assert result.err == ""  # no progress bar: standard error is not a terminal


def test_progress_bar_shows_on_a_terminal_only(repo, keys):
    for number in range(30):
        write(repo / "submissions", make_entry(keys, number))
    controller, terminal = os.openpty()
    done = subprocess.run(
        [sys.executable, "-m", "entraide.cli", "check"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=terminal,
        timeout=120,
        check=False,
    )
    os.close(terminal)
    shown_on_terminal = os.read(controller, 65536).decode()
    os.close(controller)

    assert done.returncode == 0
    assert "Vérification" in shown_on_terminal and "100%" in shown_on_terminal
    assert "Vérification" not in done.stdout.decode()


def test_github_format_also_writes_the_run_summary_with_hostile_text_kept_inert(repo, cli, monkeypatch):
    summary = repo / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001", description="<b>x</b> 20 € | [a](js:x) *y*"))

    assert cli("check", "--format", "github").code == 0

    text = summary.read_text()
    assert text.startswith("### Vérification des annonces : 1 fichier(s), 0 erreur(s), 1 avertissement(s)")
    [row] = [line for line in text.splitlines() if "bonjour-0001" in line]
    assert row.startswith("| ⚠️ | submissions/grenoble/bonjour-0001.yaml | 6 | description | mention de paiement")
    assert "<b>" not in row and "&lt;b&gt;x&lt;/b&gt;" in row
    assert "\\| \\[a\\]\\(js:x\\) \\*y\\*" in row
    assert row.count(" | ") == 4  # five cells: the resident's pipe does not open a new column


def test_no_warnings_shows_errors_only_but_still_counts_everything(repo, cli):
    put(repo, "grenoble/bonjour-0001.yaml", valid_text("bonjour-0001", description="10 € de l'heure."))
    put(repo, "grenoble/bonjour-0002.yaml", valid_text("bonjour-0002", title="x"))

    result = cli("check", "--no-warnings")

    assert result.code == 1
    assert [line.split(":")[0] for line in lines_of(result.out)] == ["submissions/grenoble/bonjour-0002.yaml"]
    assert "2 fichiers vérifiés : 1 erreur, 1 avertissement." in result.out


def test_today_is_the_territorys_day_whatever_the_machines_time_zone(repo):
    """A CI runner's clock may say any zone: an entry filed in Grenoble just after midnight is dated today there."""
    paris = dt.datetime.now(ZoneInfo("Europe/Paris")).replace(microsecond=0)
    machine = "Etc/GMT+12" if paris.hour < 12 else "Etc/GMT-14"  # 13 hours behind, or ahead: never Paris's day
    in_a_month = (paris.date() + dt.timedelta(days=30)).isoformat()
    for number, created in ((1, paris), (2, paris + dt.timedelta(days=1))):
        text = valid_text(f"bonjour-000{number}").replace("2026-11-01T10:00:00+01:00", created.isoformat())
        put(repo, f"grenoble/bonjour-000{number}.yaml", text.replace("2026-12-01", in_a_month))

    result = run_entraide("check", cwd=repo, env={**os.environ, "TZ": machine})

    assert [line.split(":")[0] for line in lines_of(result.out) if "après le" in line] == [
        "submissions/grenoble/bonjour-0002.yaml"
    ]
