"""The moderator guide and the `--help` texts: every command, flag and setting documented, in French."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from entraide.cli import entraide
from entraide.rules import FLAG_LABELS

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "guide-moderation.md").read_text()
COMMANDS = sorted(entraide.commands)


def test_every_command_is_in_the_guide():
    assert COMMANDS == [
        "alerts",
        "approve",
        "batch",
        "check",
        "codeowners",
        "db",
        "expire",
        "followups",
        "keygen",
        "new",
        "pending",
        "publish",
        "queue",
        "reject",
        "relay-times",
        "remove",
        "reveal",
        "review-status",
        "stats",
    ]
    for name in COMMANDS:
        assert f"| `entraide {name}" in GUIDE, name


def test_every_environment_variable_read_by_an_option_is_in_the_guide():
    variables = {
        param.envvar
        for command in entraide.commands.values()
        for param in command.params
        if isinstance(param.envvar, str)
    }
    assert variables >= {"ENTRAIDE_SUBMISSIONS_PATH", "ENTRAIDE_PENDING_PATH", "ENTRAIDE_MODERATOR"}
    for variable in variables:
        assert f"`{variable}`" in GUIDE, variable


def test_every_automatic_flag_is_explained():
    for label in FLAG_LABELS.values():
        assert f"**{label}" in GUIDE, label
    for warning in ("Annonce expirée", "Déposée par un agent", "Fichier hors de submissions/", "Fichier caché"):
        assert f"**{warning}**" in GUIDE


def test_the_guide_says_what_never_to_do_and_how_long_data_is_kept():
    assert "Ne jamais recopier un contact" in GUIDE
    assert "## Combien de temps les données sont gardées" in GUIDE
    assert "Close pull request" in GUIDE and "Merge pull request" in GUIDE


@pytest.mark.parametrize("name", COMMANDS)
def test_each_help_is_the_commands_french_docstring(cli, name):
    result = cli(name, "--help")

    assert result.code == 0
    first_line = entraide.commands[name].help.splitlines()[0]
    assert first_line in " ".join(result.out.split())
    assert isinstance(entraide.commands[name], click.Command)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["reject"], "Erreur : argument 'IDS...' obligatoire"),
        (["reject", "x", "--reason"], "Erreur : l'option --reason attend une valeur"),
        (["stats", "--format", "xml"], "Erreur : valeur invalide pour '--format' : choisissez parmi table, csv, json"),
        (["check", "--nope"], "Erreur : option inconnue : --nope"),
        (["publier"], "Erreur : commande inconnue : publier"),
    ],
)
def test_usage_mistakes_are_explained_in_french(cli, args, message):
    result = cli(*args)

    assert result.code == 2
    assert result.err.startswith(message)
    assert "\nAide : entraide" in result.err and result.err.rstrip().endswith("--help")


def test_help_pages_are_in_french(cli):
    top = cli("--help").out
    assert top.startswith("Utilisation : entraide [OPTIONS] COMMANDE [ARGUMENTS]...")
    assert "-h, --help  Afficher cette aide et quitter." in top
    assert "Commandes:" in top and "Commands" not in top
    check = cli("check", "--help").out
    assert check.startswith("Utilisation : entraide check [OPTIONS] [PATHS]...")
    assert "Afficher cette aide et quitter." in check


def test_the_installed_console_script_runs():
    script = Path(sys.executable).with_name("entraide")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 0, "install the package (pip install -e .) to get the entraide command"
    assert "Entraide : les outils des modérateurs" in done.stdout
