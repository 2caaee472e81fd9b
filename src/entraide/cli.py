"""The moderators' `entraide` command: each subcommand's docstring is its French `--help`.

This module only reads options, calls `entraide.moderation` and prints; options that CI or a deployer
sets once also read environment variables (shown in `--help`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from entraide.moderation import ModerationError
from entraide.store.engine import DEFAULT_DATABASE_URL

if TYPE_CHECKING:
    from entraide.config import Config
    from entraide.moderation.journal import Journal
    from entraide.sealing import KeyPair

SUBMISSIONS = click.option(
    "--submissions",
    "submissions",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="ENTRAIDE_SUBMISSIONS_PATH",
    show_envvar=True,
    default="submissions",
    show_default=True,
    help="Dossier des annonces publiées.",
)
PENDING = click.option(
    "--pending",
    "pending",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="ENTRAIDE_PENDING_PATH",
    show_envvar=True,
    default="pending",
    show_default=True,
    help="Dossier des annonces en attente (backend local).",
)
DATE = click.option(
    "--date",
    "today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date du jour à utiliser, AAAA-MM-JJ (par défaut aujourd'hui).",
)


class FrenchError(click.ClickException):
    """A moderation error, printed in French with what to do."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", file=file or sys.stderr)


HELP_TEXT = "Afficher cette aide et quitter."


class _French:
    """Help pages in French where click lets us say it: usage line, help option, list of commands."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="Utilisation : ")

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_TEXT
        return option


class _Command(_French, click.Command):
    pass


class _Group(_French, click.Group):
    """Moderation errors become French command-line errors (message, exit status 1, no traceback)."""

    command_class = _Command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        width = formatter.width - 18
        rows = [(name, self.commands[name].get_short_help_str(width)) for name in self.list_commands(ctx)]
        with formatter.section("Commandes"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ModerationError as error:
            raise FrenchError(str(error)) from None


@click.group(
    cls=_Group,
    options_metavar="[OPTIONS]",
    subcommand_metavar="COMMANDE [ARGUMENTS]...",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
def entraide() -> None:
    """Entraide : les outils des modérateurs et des modératrices.

    Chaque commande a sa propre aide : entraide COMMANDE --help.
    Le guide complet est dans docs/guide-moderation.md.
    """


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script passes it to sys.exit)."""
    try:
        entraide.main(args=argv, prog_name="entraide", standalone_mode=False)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    except click.exceptions.Exit as stop:
        return stop.exit_code
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx else "entraide"
        click.echo(f"Erreur : {_french_usage(error)}\nAide : {where} --help", err=True)
        return 2
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except (click.Abort, KeyboardInterrupt):
        click.echo("\nInterrompu : rien n'a été enregistré.", err=True)
        return 1
    return 0


def _french_usage(error: click.UsageError) -> str:
    """Click's usage errors are English; the common ones are said again in French."""
    param = getattr(error, "param", None)
    hint = (param.get_error_hint(error.ctx) if error.ctx else param.name) if param is not None else ""
    if isinstance(error, click.MissingParameter) and param is not None:
        return f"{'argument' if isinstance(param, click.Argument) else 'option'} {hint} obligatoire"
    if isinstance(error, click.NoSuchOption):
        return f"option inconnue : {error.option_name}"
    if isinstance(error, click.BadOptionUsage):
        return f"l'option {error.option_name} attend une valeur"
    if isinstance(error, click.BadParameter) and param is not None:
        if isinstance(param.type, click.Choice):
            return f"valeur invalide pour {hint} : choisissez parmi {', '.join(map(str, param.type.choices))}"
        return f"valeur invalide pour {hint} ({error.message})"
    if unknown := re.match(r"No such command '(.+)'", error.message):
        return f"commande inconnue : {unknown[1]} (les commandes sont listées par « entraide --help »)"
    return error.format_message()


def _today(value: dt.datetime | None) -> dt.date:
    """The day asked for, or the territory's today, as the build and the endpoint reckon it (not the machine's
    UTC day: from midnight in Paris to midnight UTC, entries filed since midnight would look dated tomorrow)."""
    return value.date() if value else _now().date()


def _now() -> dt.datetime:
    """The territory's time (ENTRAIDE_TIMEZONE), by which the endpoint and the build date entries."""
    return dt.datetime.now(_config().zone())


class _Progress:
    """A progress bar on stderr, only on a terminal (CI logs and pipes stay clean)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=total, label=self.label, file=sys.stderr, update_min_steps=max(1, total // 200)
            )
        self.bar.update(done - self.bar.pos)
        if done >= total:
            self.bar.render_finish()


@entraide.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    envvar="ENTRAIDE_CHECK_FORMAT",
    show_envvar=True,
    help="text : « fichier:ligne: clé: message » ; github : annotations affichées sur les lignes de la pull request.",
)
@click.option(
    "--against",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Autres annonces comparées pour repérer les doublons, sans être signalées elles-mêmes "
    "(par exemple submissions quand on vérifie les seuls fichiers d'une pull request). "
    "Répétable.",
)
@click.option(
    "--pull-request",
    "pull_request",
    is_flag=True,
    help="PATHS sont les fichiers modifiés par une pull request : les fichiers supprimés sont ignorés, "
    "ceux hors du dossier des annonces sont signalés, et les doublons sont cherchés aussi dans "
    "toutes les annonces publiées.",
)
@click.option(
    "--warnings/--no-warnings",
    "show_warnings",
    default=True,
    show_default=True,
    help="Afficher aussi les avertissements (--no-warnings : les erreurs seulement, toujours comptées).",
)
@SUBMISSIONS
@PENDING
@DATE
def check(
    paths: tuple[Path, ...],
    output: str,
    against: tuple[Path, ...],
    pull_request: bool,
    show_warnings: bool,
    submissions: Path,
    pending: Path,
    today: dt.datetime | None,
) -> None:
    """Vérifier des fichiers d'annonces (par défaut tout le dossier des annonces publiées).

    PATHS peut être des fichiers, des dossiers de commune ou des dossiers organisés comme submissions/.

    Erreurs (la pull request ne doit pas être fusionnée) : schéma des annonces, fichier mal nommé ou dans le
    mauvais dossier, point hors de la commune, dates incohérentes, coordonnées (e-mail, téléphone, lien) dans
    le texte public, id déjà utilisé, fichier égaré.

    Avertissements (à regarder, la décision vous revient) : mention de paiement, doublon possible (même texte
    ou même contact scellé qu'une autre annonce), annonce déjà expirée ou datée après aujourd'hui (pas encore
    publiée). Le même contact ne se voit qu'avec la clé privée de l'instance (ENTRAIDE_PRIVATE_KEY) : sans
    elle, le résumé dit combien de fichiers n'ont pas pu être comparés.
    Pour une annonce en attente déposée par un agent (entraide new), le nom de l'agent et l'accord oral de la
    personne, lus dans le journal.

    Code de sortie : 1 s'il y a au moins une erreur, 0 sinon (même avec des avertissements).
    """
    from entraide.moderation.annotations import annotation, step_summary
    from entraide.moderation.checks import check_paths
    from entraide.moderation.notices import available_keys

    if pull_request and not paths:
        click.echo("Aucun fichier modifié : rien à vérifier.")
        return
    if pull_request and not against and submissions.is_dir():
        against = (submissions,)
    report = check_paths(
        paths or (submissions,),
        against=against,
        today=_today(today),
        progress=_Progress("Vérification"),
        changes_in=submissions if pull_request else None,
        keys=available_keys(_config()),
    )
    if not pull_request:
        _add_agent_findings(report, paths or (submissions,), pending)
    shown = report.findings if show_warnings else report.errors
    lines = [annotation(f) if output == "github" else str(f) for f in shown]
    click.echo("\n".join([*lines, _check_summary(report)]))  # one write: 50,000 lines flushed one by one are slow
    if output == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
            summary.write(step_summary(report.findings, report.checked))
    if report.errors:
        sys.exit(1)


def _add_agent_findings(report: Any, paths: tuple[Path, ...], pending: Path) -> None:
    """Pending files filed by an agent say so, as in `entraide pending` (the journal is on this machine only)."""
    from entraide.moderation.queue import agent_findings

    if pending.is_dir() and any(_overlap(path, pending) for path in paths):
        report.findings = sorted(report.findings + agent_findings(paths, pending, _journal(_config())))


def _overlap(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents or path in folder.parents


def _check_summary(report: Any) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    summary = (
        f"{_count(report.checked, 'fichier vérifié', 'fichiers vérifiés')} : "
        f"{_count(errors, 'erreur', 'erreurs')}, {_count(warnings, 'avertissement', 'avertissements')}."
    )
    if report.contacts_unknown:
        summary += (
            f"\nMême contact qu'une autre annonce : non vérifié pour "
            f"{_count(report.contacts_unknown, 'fichier', 'fichiers')} (contact scellé sans empreinte) ; "
            "un modérateur qui a la clé privée de l'instance (ENTRAIDE_PRIVATE_KEY) le vérifie avec entraide check."
        )
    return summary


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number:,}".replace(",", "\u202f") + " " + (singular if number < 2 else plural)


MODERATOR = click.option(
    "--moderator",
    envvar="ENTRAIDE_MODERATOR",
    show_envvar=True,
    default="",
    help="Votre nom, inscrit dans le journal et les commits (par défaut : git config user.name).",
)
NOTIFY = click.option(
    "--notify/--no-notify",
    default=False,
    show_default=True,
    help="Prévenir l'auteur par e-mail (s'il a donné une adresse), avec les réglages de messagerie "
    "de l'endpoint (ENTRAIDE_SMTP_HOST…) et la clé ENTRAIDE_PRIVATE_KEY.",
)


def _config(**overrides: Any) -> Config:
    """The endpoint's settings (one source for paths, keys and mail), with this command's folders."""
    from entraide.config import Config, ConfigError

    try:
        return Config.from_environ(os.environ, **{k: str(v) for k, v in overrides.items()})
    except ConfigError as error:
        raise FrenchError(f"réglage invalide : {error}") from None


def _journal(config: Config) -> Journal:
    from entraide.moderation.journal import Journal

    return Journal(Path(config.reports_path))


def _moderator(name: str, folder: Path) -> str:
    from entraide.moderation.gitops import Repository

    if name.strip():
        return " ".join(name.split())
    try:
        name = Repository(folder).user_name()
    except ModerationError:
        name = ""
    if not name:
        raise FrenchError(
            'indiquez votre nom avec --moderator "Prénom Nom" (ou ENTRAIDE_MODERATOR) : il est '
            "inscrit dans le journal de modération"
        )
    return name


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((120, 24)).columns


@entraide.command()
@PENDING
@SUBMISSIONS
@DATE
def pending(pending: Path, submissions: Path, today: dt.datetime | None) -> None:
    """Lister les annonces en attente de modération (backend local), les plus anciennes d'abord.

    Chaque annonce est vérifiée comme par « entraide check » ; la colonne « À vérifier » résume ce qui demande
    votre attention (erreurs, mention de paiement, doublon possible, annonce déposée par un agent), détaillé
    sous le tableau avec le nom de l'agent et l'accord oral de la personne.
    Ensuite : entraide approve ID… pour publier, entraide reject ID… --reason "…" pour refuser.
    """
    from entraide.moderation.notices import available_keys
    from entraide.moderation.queue import list_pending
    from entraide.moderation.tables import pending_table, printable

    items = list_pending(
        pending, submissions, _today(today), _journal(_config(pending_path=pending)), keys=available_keys(_config())
    )
    if not items:
        click.echo(f"Aucune annonce en attente dans {pending}/.")
        if _config().backend == "github":
            click.echo(
                "Avec ENTRAIDE_BACKEND=github, les annonces en attente sont les pull requests ouvertes du "
                "dépôt : relisez-les sur GitHub (voir docs/guide-moderation.md)."
            )
        return
    click.echo(f"{_count(len(items), 'annonce en attente', 'annonces en attente')} dans {pending}/ :\n")
    click.echo(pending_table(items, _width()))
    details = [(item, f) for item in items for f in item.findings]
    if details:
        click.echo("\nDétails :")
        for item, finding in details:
            kind = "erreur" if finding.severity == "error" else "à vérifier"
            where = f" {finding.key}" if finding.key else ""
            click.echo(f"  {item.id} ({kind}){where} : {printable(finding.message)}")


def _decide(
    action: str, ids: tuple[str, ...], pending: Path, submissions: Path, moderator: str, notify: bool, reason: str = ""
) -> None:
    from entraide.moderation import queue
    from entraide.moderation.notices import approval_mail, load_private_keys, rejection_mail, send_to_author

    config = _config(pending_path=pending, submissions_path=submissions)
    journal = _journal(config)
    keys = load_private_keys(config) if notify else None
    failures = 0
    committed = False
    for entry_id in ids:
        try:
            item = queue.find_pending(pending, entry_id)
            if action == "approve":
                decision = queue.approve(item, submissions=submissions, moderator=moderator, journal=journal)
                click.echo(f"{entry_id} : publiée dans {decision.path} (commit {decision.commit[:10]})")
                committed = True
                for warning in decision.warnings:
                    click.echo(f"  à vérifier : {warning.key} : {warning.message}")
                mail = approval_mail(item.data, config.site_url)
            else:
                queue.reject(item, reason=reason, moderator=moderator, journal=journal)
                click.echo(f"{entry_id} : refusée et supprimée de {pending}/ (raison inscrite au journal)")
                mail = rejection_mail(item.data, " ".join(reason.split()))
            if keys:
                click.echo(f"  {send_to_author(config, keys, item.data, mail)}")
        except ModerationError as error:
            failures += 1
            click.echo(f"{entry_id} : rien n'a été fait : {error}", err=True)
    if committed:
        click.echo(f"\n{queue.publish_hint(submissions)}")
    if failures:
        sys.exit(1)


@entraide.command()
@click.argument("ids", nargs=-1, required=True)
@PENDING
@SUBMISSIONS
@MODERATOR
@NOTIFY
def approve(ids: tuple[str, ...], pending: Path, submissions: Path, moderator: str, notify: bool) -> None:
    """Publier des annonces en attente (backend local).

    Pour chaque ID : l'annonce est vérifiée à nouveau, déplacée de pending/<commune>/ vers
    submissions/<commune>/, puis enregistrée par un commit git à votre nom. Le site la montre à la
    prochaine construction : envoyez vos commits avec git push (sur GitHub, le workflow « Publier le
    site » reconstruit alors le site). Une annonce qui ne passe pas la vérification n'est pas publiée :
    corrigez le fichier ou refusez-la.

    Le dossier submissions/ doit être dans un dépôt git, sans modification en cours sur ces fichiers.
    """
    _decide("approve", ids, pending, submissions, _moderator(moderator, submissions), notify)


@entraide.command()
@click.argument("ids", nargs=-1, required=True)
@click.option("--reason", required=True, help="Raison du refus, en quelques mots (jamais de coordonnées).")
@PENDING
@SUBMISSIONS
@MODERATOR
@NOTIFY
def reject(ids: tuple[str, ...], reason: str, pending: Path, submissions: Path, moderator: str, notify: bool) -> None:
    """Refuser des annonces en attente (backend local).

    Le fichier de chaque ID est supprimé de pending/ ; la raison, votre nom et la date sont inscrits dans le
    journal de modération (ENTRAIDE_REPORTS_PATH/moderation.jsonl, hors de git). Avec --notify, l'auteur
    reçoit la raison par e-mail. Une raison qui contient une adresse e-mail, un numéro ou un lien est
    refusée : le journal ne garde jamais de coordonnées.
    """
    from entraide.moderation.journal import refuse_contact

    refuse_contact(reason, "la raison du refus")
    _decide("reject", ids, pending, submissions, _moderator(moderator, submissions), notify, reason)


@entraide.command()
@click.argument("ids", nargs=-1, required=True)
@click.option(
    "--reason",
    required=True,
    help="Pourquoi l'annonce est retirée (signalement n° 12, retrait demandé par l'auteur…), jamais de coordonnées.",
)
@SUBMISSIONS
@MODERATOR
def remove(ids: tuple[str, ...], reason: str, submissions: Path, moderator: str) -> None:
    """Retirer des annonces publiées : signalement fondé, ou retrait fait par l'auteur (backend local).

    Pour chaque ID, le fichier submissions/<commune>/ID.yaml est supprimé et la suppression enregistrée par
    un commit git à votre nom ; la raison est inscrite dans le journal de modération. Quand l'auteur a
    retiré son annonce avec sa clé, le formulaire a déjà supprimé le fichier, hors de git : la commande
    enregistre alors cette suppression. Ensuite, git push met le site à jour.
    """
    from entraide.moderation import queue
    from entraide.moderation.journal import refuse_contact

    refuse_contact(reason, "la raison du retrait")
    name = _moderator(moderator, submissions)
    journal = _journal(_config(submissions_path=submissions))
    failures = 0
    for entry_id in ids:
        try:
            done = queue.remove(entry_id, submissions=submissions, reason=reason, moderator=name, journal=journal)
        except ModerationError as error:
            failures += 1
            click.echo(f"{entry_id} : rien n'a été fait : {error}", err=True)
            continue
        how = "suppression faite par le formulaire enregistrée" if done.by_endpoint else "supprimée"
        click.echo(f"{entry_id} : retirée du site, {how} (commit {done.commit[:10]}, raison inscrite au journal)")
    if failures < len(ids):
        click.echo(f"\n{queue.publish_hint(submissions)}")
    if failures:
        sys.exit(1)


@entraide.group(cls=_Group, options_metavar="[OPTIONS]", subcommand_metavar="COMMANDE [ARGUMENTS]...")
def batch() -> None:
    """Les lots : les annonces d'une commune regroupées dans une pull request (backend github).

    Quand beaucoup d'annonces attendent, elles arrivent par lots. Les modérateurs les relisent sur GitHub ;
    ces commandes sont lancées par les workflows (Vérifier les annonces, Prévenir les auteurs d'un lot).
    Réglages : GITHUB_REPOSITORY, GITHUB_TOKEN, GITHUB_API_URL.
    """


PULL_REQUEST = click.option(
    "--pull-request", "number", type=click.IntRange(min=1), required=True, help="Numéro de la pull request du lot."
)


@batch.command("check")
@PULL_REQUEST
@click.option(
    "--format", "output", type=click.Choice(["text", "github"]), default="text", envvar="ENTRAIDE_CHECK_FORMAT"
)
def batch_check(number: int, output: str) -> None:
    """Vérifier les refus d'un lot ouvert : chaque fichier supprimé a un motif « Refus <id> : <motif> »,
    chaque motif nomme un fichier supprimé. Code de sortie 1 s'il manque quelque chose."""
    from entraide.moderation.annotations import escape_data, escape_property
    from entraide.moderation.batches import problems, read_batch

    found = read_batch(_github_client(), number)
    if found is None:
        click.echo(f"La pull request n° {number} n'est pas un lot : rien à vérifier ici.")
        return
    issues = problems(found)
    for entry_id, message in issues:
        if output == "github":
            click.echo(f"::error title={escape_property(f'Lot : {entry_id}')}::{escape_data(message)}")
        else:
            click.echo(f"{entry_id} : {message}")
    refused = len(found.removed())
    kept = _count(len(found.entries) - refused - len(found.withdrawn), "annonce gardée", "annonces gardées")
    click.echo(
        f"Lot n° {number} : {kept}, {_count(refused, 'refusée', 'refusées')}, "
        f"{_count(len(issues), 'problème', 'problèmes')}."
    )
    if issues:
        sys.exit(1)


@batch.command("notify")
@PULL_REQUEST
@MODERATOR
def batch_notify(number: int, moderator: str) -> None:
    """Après la fusion ou la fermeture d'un lot : prévenir chaque auteur par e-mail (acceptée, ou refusée avec
    son motif), comme approve et reject --notify, et l'inscrire au journal de modération."""
    from entraide.moderation.batches import decisions, read_batch, tell_authors
    from entraide.moderation.notices import approval_mail, load_private_keys, rejection_mail, send_to_author

    config = _config()
    found = read_batch(_github_client(config), number)
    if found is None:
        click.echo(f"La pull request n° {number} n'est pas un lot : rien à faire.")
        return
    keys, journal = load_private_keys(config), _journal(config)

    def mail(entry: Any, action: str, reason: str) -> str:
        made = (
            approval_mail(entry.data, config.site_url) if action == "approved" else rejection_mail(entry.data, reason)
        )
        return send_to_author(config, keys, entry.data, made)

    lines = tell_authors(
        decisions(found),
        number=number,
        merge_commit=found.merge_commit,
        moderator=_moderator(moderator, Path.cwd()),
        record=journal.record,
        mail=mail,
    )
    for line in lines:
        click.echo(line)


def _github_client(config: Config | None = None) -> Any:
    from entraide.forge import GitHubClient

    config = config or _config()
    if not config.github_repository or not config.github_token:
        raise FrenchError("GITHUB_REPOSITORY et GITHUB_TOKEN doivent être définis pour lire un lot sur GitHub")
    return GitHubClient(config.github_api_url, config.github_token, config.github_repository)


@entraide.command()
@SUBMISSIONS
@DATE
@MODERATOR
@click.option(
    "--commit/--no-commit",
    default=True,
    show_default=True,
    help="Enregistrer la suppression par un commit git (un seul pour toutes les annonces).",
)
@click.option("--dry-run", is_flag=True, help="Dire ce qui serait supprimé, sans rien supprimer.")
def expire(submissions: Path, today: dt.datetime | None, moderator: str, commit: bool, dry_run: bool) -> None:
    """Retirer les annonces dont la date « expires » est passée.

    Une annonce reste en ligne jusqu'à sa date « expires » incluse ; le lendemain, cette commande supprime
    son fichier et enregistre toutes les suppressions dans un seul commit git. Elle tourne chaque jour dans
    la CI (.github/workflows/expire.yml) ; à la main, utilisez --dry-run pour voir ce qu'elle ferait.
    """
    from entraide.moderation.expiry import find_expired, remove_expired
    from entraide.moderation.gitops import Repository

    day = _today(today)
    expired, unreadable = find_expired(submissions, day, progress=_Progress("Lecture des dates"))
    for path in unreadable:
        click.echo(f"{path} : date d'expiration illisible, fichier laissé en place (voir entraide check)", err=True)
    if expired:
        click.echo("\n".join(f"{item.path} : expirée le {item.expires:%d/%m/%Y}" for item in expired))
    else:
        click.echo(f"Aucune annonce expirée au {day:%d/%m/%Y}.")
        return
    if dry_run:
        click.echo(f"{_count(len(expired), 'annonce serait retirée', 'annonces seraient retirées')} (--dry-run).")
        return
    repository = Repository(submissions) if commit else None
    sha = remove_expired(expired, repository, day, _moderator(moderator, submissions) if commit else moderator)
    done = _count(len(expired), "annonce retirée", "annonces retirées")
    click.echo(f"{done}" + (f" (commit {sha[:10]})." if sha else " (sans commit)."))


@entraide.command()
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table : tableau lisible ; csv : pour un tableur ; json : pour un programme.",
)
@SUBMISSIONS
@PENDING
@DATE
def stats(output: str, submissions: Path, pending: Path, today: dt.datetime | None) -> None:
    """Compter les annonces actives par commune, catégorie et type, plus les expirées et celles en attente.

    Ce sont les chiffres que la Métropole cite (« 2 000 inscriptions »). Les annonces expirées sont celles
    encore dans le dépôt mais plus affichées ; les annonces en attente sont celles de pending/ (backend local).
    """
    from entraide.moderation.tables import stats_csv, stats_json, stats_table
    from entraide.pipeline import InvalidEntries, load_entries
    from entraide.stats import count_entries

    day = _today(today)
    try:
        counted = count_entries(load_entries(submissions), day, load_entries(pending))
    except InvalidEntries as error:
        raise FrenchError(
            f"des fichiers d'annonces sont invalides, corrigez-les d'abord (entraide check) :\n{error}"
        ) from None
    if output == "csv":
        click.echo(stats_csv(counted), nl=False)
    elif output == "json":
        click.echo(stats_json(counted, day))
    else:
        click.echo(stats_table(counted, day))


@entraide.group(cls=_Group, options_metavar="[OPTIONS]", subcommand_metavar="COMMANDE [ARGUMENTS]...")
def followups() -> None:
    """Demander aux auteurs des demandes d'aide s'ils ont trouvé de l'aide (un seul e-mail par demande)."""


@followups.command("send")
@SUBMISSIONS
@click.option(
    "--now",
    "moment",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="Moment à utiliser, AAAA-MM-JJTHH:MM:SS (par défaut maintenant).",
)
def followups_send(submissions: Path, moment: dt.datetime | None) -> None:
    """Envoyer l'e-mail « Avez-vous trouvé de l'aide ? » aux auteurs des demandes publiées depuis
    ENTRAIDE_FOLLOWUP_DAYS jours (3 par défaut), s'ils ont donné une adresse.

    À lancer chaque jour ou chaque heure (cron, workflow planifié), avec les réglages de l'endpoint
    (ENTRAIDE_PRIVATE_KEY, ENTRAIDE_SMTP_HOST…, ENTRAIDE_DATABASE_URL, ENTRAIDE_ENDPOINT_URL). Lit les annonces
    publiées comme le site les lit ; une personne n'est jamais relancée deux fois, même si la commande
    tourne deux fois ou sur deux machines.
    """
    from functools import partial

    from entraide.followups import send_followups
    from entraide.keys import load_keys, token_secret
    from entraide.mail import send_mail
    from entraide.pipeline import InvalidEntries, load_entries

    config = _config()
    if not config.followup_days:
        click.echo("Relances désactivées (ENTRAIDE_FOLLOWUP_DAYS=0) : rien à envoyer.")
        return
    keys, store = load_keys(config), _open_store(config)
    moment = (moment.replace(tzinfo=moment.tzinfo or _now().tzinfo)) if moment else _now()
    try:
        entries = load_entries(submissions)
    except InvalidEntries as error:
        raise FrenchError(f"des fichiers d'annonces sont invalides (entraide check) :\n{error}") from None
    with _store_errors():
        outcome = send_followups(
            entries,
            store=store,
            keys=keys,
            secret=token_secret(config, keys),
            now=moment,
            days=config.followup_days,
            endpoint_url=config.endpoint_url,
            site_url=config.site_url,
            send_mail=partial(send_mail, config),
        )
    click.echo(
        f"{_count(outcome.sent, 'relance envoyée', 'relances envoyées')}, "
        f"{_count(outcome.already, 'déjà faite', 'déjà faites')}, "
        f"{_count(outcome.without_email, 'sans adresse e-mail', 'sans adresse e-mail')}, "
        f"{_count(outcome.failed, 'refusée', 'refusées')} par le serveur de messagerie."
    )


@entraide.command("review-status")
@click.argument("base")
@click.argument("head")
def review_status(base: str, head: str) -> None:
    """Dire si une pull request de changement de statut peut être fusionnée sans modérateur (workflow status.yml).

    Compare HEAD à sa base commune avec BASE (deux révisions git) : un seul fichier d'annonce modifié, et
    seulement son champ « status » (ou un premier renouvellement : « renewed » et « expires » à au plus
    ENTRAIDE_EXPIRY_DAYS jours), le reste valide pour « entraide check ». Code de sortie 0 : à fusionner ; 1 : à
    vérifier par un modérateur, les raisons affichées.
    """
    from entraide.moderation.gitops import Repository
    from entraide.moderation.status_review import review_status_change

    review = review_status_change(Repository(Path.cwd()), base, head, _config().expiry_days)
    if review.mergeable:
        click.echo(f"Changement de statut seul ({review.path}) : fusion automatique.")
        return
    click.echo("Cette pull request ne se limite pas à un changement de statut : un modérateur doit la vérifier.")
    click.echo("\n".join(f"- {reason}" for reason in review.reasons))
    sys.exit(1)


@entraide.command("relay-times")
def relay_times() -> None:
    """Écrire en JSON le délai médian entre la publication d'une annonce et le premier message relayé à son auteur.

    Lit la base de l'endpoint (ENTRAIDE_DATABASE_URL) : seule l'heure du premier message de chaque annonce y est
    gardée, jamais son contenu ni son auteur. Pour la page des statistiques :
    entraide relay-times > premiers-messages.json, puis ENTRAIDE_FIRST_MESSAGES_PATH=premiers-messages.json make html
    """
    import json

    store = _open_store(_config())
    with _store_errors():
        median, entries = store.first_messages.median_delay()
    click.echo(json.dumps({"median_seconds": median, "entries": entries}))


@entraide.command()
def keygen() -> None:
    """Créer une nouvelle paire de clés pour sceller les contacts des annonces.

    La clé privée s'affiche sur la sortie standard, au format d'une variable d'environnement : donnez-la
    à l'endpoint comme secret (ENTRAIDE_PRIVATE_KEY) et gardez-en une copie dans un coffre-fort de mots de
    passe. Elle ne doit jamais être commitée, collée dans une issue ou envoyée par e-mail. Sans elle, les
    contacts déjà scellés ne peuvent plus être lus : ne remplacez pas la clé d'une instance en service.
    """
    from entraide.sealing import KeyPair

    keys = KeyPair.generate()
    click.echo(f"ENTRAIDE_PRIVATE_KEY={keys.private}")
    click.echo(f"# clé publique (peut être partagée) : {keys.public}")
    click.echo("Gardez la clé privée secrète : elle ouvre tous les contacts des annonces.", err=True)


@entraide.command()
@click.argument("entry_id", metavar="ID")
@click.option(
    "--reason",
    required=True,
    help="Pourquoi vous avez besoin de ce contact (par exemple : signalement n° 12), inscrit au journal.",
)
@SUBMISSIONS
@PENDING
@MODERATOR
def reveal(entry_id: str, reason: str, submissions: Path, pending: Path, moderator: str) -> None:
    """Lire le contact scellé d'une annonce, pour traiter un signalement.

    Il s'agit d'un accès à des données personnelles : il est inscrit dans le journal de modération (votre
    nom, la date, l'annonce et le motif, jamais le contact). Utilisez ce contact pour ce signalement
    seulement ; ne le copiez jamais dans un commentaire, une issue, une pull request ou un ticket.
    Demande la clé privée de l'instance dans ENTRAIDE_PRIVATE_KEY.
    """
    from entraide.moderation.journal import refuse_contact
    from entraide.moderation.notices import load_private_keys, open_contact
    from entraide.moderation.queue import find_entry

    config = _config(pending_path=pending, submissions_path=submissions)
    reason = refuse_contact(reason, "le motif")
    name = _moderator(moderator, submissions)
    data = find_entry(entry_id, submissions, pending)
    contact = open_contact(load_private_keys(config), data.get("contact"), entry_id)
    _journal(config).record("revealed", id=entry_id, moderator=name, reason=reason)
    click.echo(
        "ATTENTION : accès à des données personnelles, inscrit au journal de modération à votre nom.\n"
        "N'utilisez ce contact que pour ce signalement et ne le recopiez nulle part.",
        err=True,
    )
    click.echo(f"E-mail : {contact.email or '(aucun)'}")
    click.echo(f"Téléphone : {contact.phone or '(aucun)'}")


@entraide.command()
@click.option(
    "--agent",
    envvar="ENTRAIDE_AGENT",
    show_envvar=True,
    default="",
    help="Votre nom (l'agent qui recueille l'annonce) ; demandé s'il manque.",
)
@click.option(
    "--channel",
    type=click.Choice(["phone", "desk"]),
    default="phone",
    show_default=True,
    help="phone : par téléphone ; desk : à l'accueil d'une mairie.",
)
@PENDING
@SUBMISSIONS
def new(agent: str, channel: str, pending: Path, submissions: Path) -> None:
    """Déposer une annonce pour une personne qui n'est pas en ligne (ligne téléphonique, mairie).

    Les questions suivent le formulaire du site, une à une ; les réponses sont vérifiées exactement comme
    celles du site, et chaque problème vous renvoie à la question concernée. Le contact est chiffré
    aussitôt. L'annonce part ensuite aux modérateurs comme les autres : fichier en attente dans pending/
    (backend local) ou pull request (ENTRAIDE_BACKEND=github).

    Votre nom et le fait que la personne a donné son accord à l'oral sont inscrits dans le journal de
    modération et montrés aux modérateurs, jamais dans l'annonce publiée. À la fin, lisez à la personne
    sa clé de retrait : elle ne s'affiche qu'une fois.
    """
    from entraide.moderation.journal import refuse_contact
    from entraide.moderation.notices import load_private_keys
    from entraide.moderation.prompts import agent_flag, ask_yes_no, fix, interview

    config = _config(pending_path=pending, submissions_path=submissions)
    keys = load_private_keys(config)  # before any question: a contact sealed with another key could never be read
    if not config.private_key:
        click.echo(
            f"Attention : clé de développement de {config.dev_keys_path}/ (make serve). Ne déposez ici aucune "
            "annonce réelle : exportez ENTRAIDE_PRIVATE_KEY, la clé privée de l'instance.",
            err=True,
        )
    store = _open_store(config)  # before any question too: nothing typed is lost to a missing database
    intake = _intake(config, keys, store)
    try:
        agent = refuse_contact(agent or click.prompt("Votre nom (agent)"), "le nom de l'agent")
        form = interview()
        result = intake.check(form)
        while isinstance(result, list):
            form = fix(form, result)
            result = intake.check(form)
        _preview(result)
        if not ask_yes_no("\nTransmettre cette annonce aux modérateurs ?"):
            raise FrenchError("annonce abandonnée : rien n'a été enregistré")
    except click.Abort:
        raise FrenchError("saisie interrompue : rien n'a été enregistré") from None
    with _store_errors():
        receipt = intake.file_checked(result, (agent_flag(agent, channel),))
    if not receipt.new:
        raise FrenchError(
            f"l'annonce {result.entry.id} a déjà été déposée : rien n'a été enregistré de plus. Sa clé de retrait "
            "n'est pas affichée de nouveau ; si la personne l'a perdue, les modérateurs peuvent retirer "
            "l'annonce pour elle."
        )
    reference = _publish_now(config, store).references.get(result.entry.id, "")
    _journal(config).record(
        "filed", id=result.entry.id, agent=agent, channel=channel, consent="oral", reference=reference
    )
    if reference:
        click.echo(f"\nAnnonce {result.entry.id} transmise aux modérateurs : {reference}")
    else:
        click.echo(
            f"\nAnnonce {result.entry.id} reçue : elle partira aux modérateurs dès que possible (entraide publish)."
        )
    click.echo(f"Clé de retrait à lire à la personne (elle ne sera plus affichée) : {result.withdraw_key}")
    if receipt.mailed:
        click.echo("La personne reçoit aussi un e-mail avec sa clé de retrait.")


def _open_store(config: Config) -> Any:
    """The store the endpoint uses, its schema up to date, or a French error saying what to run."""
    from entraide.store import StoreError, check_schema

    store = _store(config.database_url)
    try:
        check_schema(store)
    except StoreError as error:
        raise FrenchError(f"base de données : {error}") from None
    return store


def _intake(config: Config, keys: KeyPair, store: Any) -> Any:
    from functools import partial

    from entraide.geocoding import make_geocoder
    from entraide.intake import Intake
    from entraide.keys import token_secret
    from entraide.mail import send_mail

    return Intake(
        config,
        keys,
        store,
        secret=token_secret(config, keys),
        geocode=make_geocoder(config),
        timezone=config.zone(),
        send_mail=partial(send_mail, config),
    )


def _publish_now(config: Config, store: Any) -> Any:
    from entraide.backends import make_backend
    from entraide.publisher import publish

    with _store_errors():
        return publish(store, make_backend(config, store))


def _preview(result: Any) -> None:
    from entraide.messages import describe
    from entraide.moderation.tables import printable

    entry = result.entry
    click.echo("\nVoici ce qui sera publié (après relecture par les modérateurs) :")
    click.echo(f"  {describe(entry)}")
    click.echo(f"  Titre : {printable(entry.title)}")
    click.echo("  Description :")
    for line in entry.description.splitlines():
        click.echo(f"    {printable(line)}")
    for label, value in (
        ("Prénom", entry.name),
        ("Disponibilités", entry.availability or "(non précisées)"),
        ("Sur la carte", "un point à quelques centaines de mètres près" if entry.location else "la commune seulement"),
        ("En ligne jusqu'au", f"{entry.expires_on:%d/%m/%Y}"),
    ):
        click.echo(f"  {label} : {printable(value)}")
    for flag in result.flags:
        click.echo(f"  À vérifier par les modérateurs : {printable(flag)}")


@entraide.command()
@click.option("--seconds", type=float, default=0, help="S'arrêter après ce temps (0 : quand la file est vide).")
def publish(seconds: float) -> None:
    """Transmettre aux modérateurs les annonces en file d'attente (pull requests, ou fichiers de pending/).

    Au rythme que permet la forge (GitHub : 80 écritures par minute, 500 par heure, pour toutes les
    instances ensemble). Une seule publication à la fois, quelle que soit la machine : lancée deux fois, la
    seconde le dit et s'arrête. À lancer régulièrement (cron, tâche planifiée, workflow programmé) quand
    l'endpoint ne publie pas lui-même (AWS Lambda) ; sans risque à tout moment.
    """
    import time

    from entraide.backends import make_backend
    from entraide.publisher import publish as run_publisher

    config = _config()
    store = _open_store(config)
    deadline = time.time() + seconds if seconds else None
    with _store_errors():
        run = run_publisher(store, make_backend(config, store), deadline=deadline)
        waiting = store.queue.stats(time.time()).waiting
    if run.busy:
        click.echo("Une autre publication est en cours (une autre machine ou commande) : rien à faire ici.")
        return
    click.echo(
        f"{_count(run.published, 'annonce transmise', 'annonces transmises')} aux modérateurs, "
        f"{_count(run.failed, 'échec', 'échecs')} ; {_count(waiting, 'annonce attend', 'annonces attendent')} encore."
    )
    if run.paused:
        click.echo(f"La forge demande d'attendre {run.paused:.0f} secondes : la suite partira au prochain passage.")


@entraide.command()
def queue() -> None:
    """Montrer la file d'attente : ce qui attend d'être transmis aux modérateurs, depuis quand, et les échecs.

    Aucune donnée personnelle n'est affichée (ni texte, ni contact) : l'id de l'annonce, son attente, le
    nombre d'essais et la raison du dernier échec. Les annonces partent avec entraide publish (ou seules,
    quand l'endpoint publie lui-même).
    """
    import time

    config = _config()
    store = _open_store(config)
    now = time.time()
    with _store_errors():
        items = store.queue.entries(now)
    if not items:
        click.echo("La file d'attente est vide : tout a été transmis aux modérateurs.")
        return
    click.echo(f"{_count(len(items), 'annonce en attente', 'annonces en attente')} :")
    for item in items:
        state = "en cours de transmission" if item.publishing else f"{item.attempts} essai(s)"
        line = f"  {item.entry_id} : attend depuis {_duration(now - item.queued_at)}, {state}"
        if item.last_error:
            line += f" ; dernier échec : {item.last_error}"
        click.echo(line)


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"{int(seconds)} s"
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60:02d}"


DATABASE_URL = click.option(
    "--database-url",
    "database_url",
    envvar="ENTRAIDE_DATABASE_URL",
    show_envvar=True,
    default=DEFAULT_DATABASE_URL,
    show_default=True,
    help="Base de données de l'endpoint : sqlite:///chemin/du/fichier.db ou postgresql://utilisateur:mot-de-passe@hôte:5432/base.",
)


@entraide.group(cls=_Group, options_metavar="[OPTIONS]", subcommand_metavar="COMMANDE [ARGUMENTS]...")
def db() -> None:
    """Préparer la base de données de l'endpoint (file d'attente, limites, jetons).

    Par défaut un fichier SQLite (entraide.db) ; avec plusieurs instances, PostgreSQL
    (ENTRAIDE_DATABASE_URL=postgresql://…). Voir docs/store.md.
    """


@db.command()
@DATABASE_URL
def upgrade(database_url: str) -> None:
    """Mettre le schéma de la base à jour : appliquer les migrations qui lui manquent.

    À lancer à l'installation, puis à chaque mise à jour du code, avant de redémarrer l'endpoint (qui refuse
    de démarrer sur un schéma plus ancien que son code). Sans risque si elle est lancée deux fois, ou par
    plusieurs instances à la fois : une migration n'est appliquée qu'une fois, entièrement ou pas du tout.
    """
    from entraide.store import upgrade as apply_migrations

    store = _store(database_url)
    with _store_errors():
        applied = apply_migrations(store)
        version = _schema_versions(store)[0]
    click.echo(f"Base : {_describe_store(database_url)}")
    for migration in applied:
        click.echo(f"Migration {migration.version:04d} appliquée : {migration.name}")
    if applied:
        click.echo(f"Schéma à jour (version {version}).")
    else:
        click.echo(f"Schéma déjà à jour (version {version}) : rien à faire.")


@db.command()
@DATABASE_URL
def status(database_url: str) -> None:
    """Dire si le schéma de la base est à jour (code de sortie 1 s'il faut lancer entraide db upgrade)."""
    store = _store(database_url)
    with _store_errors():
        found, needed = _schema_versions(store)
    click.echo(f"Base : {_describe_store(database_url)}")
    if found >= needed:
        click.echo(f"Schéma à jour (version {found}).")
        return
    click.echo(f"Schéma en retard : version {found}, le code attend la version {needed}. Lancez : entraide db upgrade")
    sys.exit(1)


def _store(database_url: str) -> Any:
    from entraide.store import BadDatabaseURL, open_store

    try:
        return open_store(database_url)
    except BadDatabaseURL as error:
        raise FrenchError(f"réglage invalide : {error}") from None


@contextlib.contextmanager
def _store_errors() -> Iterator[None]:
    from entraide.store import StoreError, StoreUnavailable

    try:
        yield
    except StoreUnavailable as error:
        reason = " ".join(str(error).split())
        raise FrenchError(
            f"la base de données ne répond pas ({reason}) : vérifiez ENTRAIDE_DATABASE_URL et que le serveur "
            "est démarré, puis relancez la commande ; rien n'a été modifié"
        ) from None
    except StoreError as error:
        raise FrenchError(str(error)) from None


def _schema_versions(store: Any) -> tuple[int, int]:
    from entraide.store import schema_version
    from entraide.store.migrations import code_version

    return schema_version(store), code_version()


def _describe_store(database_url: str) -> str:
    from entraide.store import redact

    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    return f"{engine}, {redact(database_url)}"


@entraide.command()
@click.option(
    "--organisation",
    default="organisation-a-remplacer",
    show_default=True,
    help="Organisation GitHub qui possède les équipes de modération.",
)
def codeowners(organisation: str) -> None:
    """Écrire le fichier .github/CODEOWNERS qui confie chaque dossier de commune à ses modérateurs.

    Chaque dossier submissions/<commune>/ est confié à l'équipe @ORGANISATION/moderation-<commune> et à
    l'équipe @ORGANISATION/moderation de la Métropole ; le reste du dépôt à @ORGANISATION/equipe-informatique.
    Créez ces équipes sur GitHub, puis : entraide codeowners --organisation NOM > .github/CODEOWNERS
    """
    from entraide.moderation.codeowners import codeowners as write

    click.echo(write(organisation), nl=False)


@entraide.group(cls=_Group, options_metavar="[OPTIONS]", subcommand_metavar="COMMANDE [ARGUMENTS]...")
def alerts() -> None:
    """Alertes par e-mail : prévenir les abonnés des nouvelles annonces (voir docs/alerts.md)."""


@alerts.command()
def send() -> None:
    """Envoyer les alertes : les annonces publiées depuis le dernier passage, en un résumé par abonné.

    Lit ce que le site publie (ENTRAIDE_ALERTS_MANIFEST), attend ENTRAIDE_ALERTS_DELAY_MINUTES après la
    publication, respecte les heures calmes, la fréquence choisie par chaque abonné et le plafond horaire.
    À lancer régulièrement (cron toutes les 10 minutes, tâche planifiée, ou après chaque déploiement du
    site) ; sans risque à tout moment : interrompu, le passage suivant finit le travail sans doublon.
    """
    from entraide.alerts.manifest import ManifestUnavailable
    from entraide.alerts.sender import send_alerts
    from entraide.keys import load_keys, token_secret
    from entraide.mail import MailUnavailable

    config = _config()
    store = _open_store(config)
    keys = load_keys(config)
    try:
        with _store_errors():
            run = send_alerts(config, store, keys, token_secret(config, keys))
    except ManifestUnavailable as error:
        raise FrenchError(f"liste des annonces publiées illisible : {error}") from None
    except MailUnavailable:
        raise FrenchError(
            "le serveur de messagerie ne répond pas ou refuse les e-mails : rien n'est perdu, relancez plus tard "
            "(vérifiez ENTRAIDE_SMTP_HOST…)."
        ) from None
    if run.held_by == "another sender":
        click.echo("Un autre envoi d'alertes est en cours : rien à faire ici.")
        return
    click.echo(
        f"{_count(run.matched_entries, 'annonce nouvelle', 'annonces nouvelles')} à annoncer, "
        f"{_count(run.mails_sent, 'e-mail envoyé', 'e-mails envoyés')}, "
        f"{_count(run.subscribers_waiting, 'abonné attend', 'abonnés attendent')} son prochain envoi."
    )
    if run.held_by == "quiet hours":
        click.echo("Heures calmes (ENTRAIDE_ALERTS_QUIET_HOURS) : les e-mails partiront au premier passage après.")
    elif run.held_by == "cap":
        click.echo("Plafond horaire atteint (ENTRAIDE_ALERTS_MAILS_PER_HOUR) : la suite partira au prochain passage.")
    if run.interrupted:
        click.echo(
            f"{_count(len(run.interrupted), 'résumé', 'résumés')} en cours d'envoi lors d'une interruption "
            "précédente : non renvoyé(s), pour ne jamais envoyer deux fois la même annonce."
        )


if __name__ == "__main__":
    sys.exit(main())
