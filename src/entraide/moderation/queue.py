"""The local backend's queue: pending entries listed with their flags, approved into git, or rejected;
published entries removed.

Approving moves `pending/<slug>/<id>.yaml` to `submissions/<slug>/<id>.yaml` and commits that one file;
rejecting deletes the pending file (never in git) and records the reason in the moderation journal;
removing deletes a published file (or takes note of the endpoint's deletion, an author's withdrawal) and
commits it. Commits stay in this folder until pushed: `publish_hint` tells the moderator what rebuilds the site.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entraide.communes import load_communes
from entraide.entries import Entry, entry_path
from entraide.moderation import ModerationError
from entraide.moderation.checks import check_paths
from entraide.moderation.gitops import Repository
from entraide.moderation.journal import Journal, refuse_contact
from entraide.moderation.prompts import CHANNELS, agent_flag
from entraide.pipeline import ERROR, WARNING, Finding, check_file, collect, shown
from entraide.sealing import KeyPair

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{5,63}$")
PUBLISH_WORKFLOW = ".github/workflows/publish.yml"  # runs on every push to main (docs/workflows.md)


@dataclass
class PendingEntry:
    path: Path
    data: dict[str, Any]  # as the file holds it, even when invalid, so it can still be shown or rejected
    entry: Entry | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.path.stem

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]


@dataclass(frozen=True)
class Decision:
    """What approve or reject did to one entry."""

    pending: PendingEntry
    action: str  # "approved" | "rejected"
    path: Path  # where the entry is now (approved) or was (rejected)
    commit: str = ""
    warnings: tuple[Finding, ...] = ()


def list_pending(
    pending: Path, submissions: Path, today: dt.date, journal: Journal, keys: KeyPair | None = None
) -> list[PendingEntry]:
    """Every pending entry, oldest first, with the problems and flags `entraide check` finds in it, and who
    filed it when an agent did (`entraide new`)."""
    if not pending.is_dir():
        return []
    against = [submissions] if submissions.is_dir() else []
    report = check_paths([pending], against=against, today=today, keys=keys)
    by_path: dict[str, list[Finding]] = {}
    for finding in [*report.findings, *agent_findings([pending], pending, journal)]:
        by_path.setdefault(finding.path, []).append(finding)
    items = []
    for folder in sorted(p for p in pending.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(folder.glob("*.yaml")):
            item = _read(path)
            item.findings = by_path.get(shown(path), [])
            items.append(item)
    return sorted(items, key=lambda item: (str(item.data.get("created", "")), item.id))


def agent_findings(paths: Iterable[Path], pending: Path, journal: Journal) -> list[Finding]:
    """« Déposée par un agent » for each pending file under `paths` filed with `entraide new`.

    The agent's name and the oral consent live in the moderation journal, never in the entry (its schema
    is what the site publishes); the GitHub backend puts them in the pull request instead.
    """
    files = [Path(p) for p in collect([pending])[0]] if pending.is_dir() else []
    wanted = [os.path.realpath(p) for p in paths]
    inside = [f for f in files if any(_within(os.path.realpath(f), w) for w in wanted)]
    if not inside:
        return []
    filed = {r.get("id"): r for r in journal.records() if r.get("action") == "filed"}
    findings = []
    for path in inside:
        if record := filed.get(path.stem):
            # `entraide new` only records known channels; a journal edited by hand still lists
            channel = record.get("channel") if record.get("channel") in CHANNELS else "phone"
            flag = agent_flag(str(record.get("agent") or "?"), channel)
            findings.append(Finding(shown(path), 1, "", f"{flag.label.lower()} : {flag.excerpt}", WARNING))
    return findings


def _within(path: str, folder_or_file: str) -> bool:
    return path == folder_or_file or path.startswith(folder_or_file + os.sep)


def find_pending(pending: Path, entry_id: str) -> PendingEntry:
    if not _ID.match(entry_id):
        raise ModerationError(f"« {entry_id} » n'est pas un id d'annonce : copiez-le depuis « entraide pending »")
    paths = sorted(pending.glob(f"*/{entry_id}.yaml")) if pending.is_dir() else []
    if not paths:
        raise ModerationError(
            f"aucune annonce en attente n'a l'id {entry_id} dans {pending}/ : vérifiez l'id avec "
            "« entraide pending » (elle a peut-être déjà été traitée)"
        )
    return _read(paths[0])


def _read(path: Path) -> PendingEntry:
    """The file as the pipeline reads it; an unreadable one can still be shown by its name and rejected."""
    file = check_file(path)
    return PendingEntry(path, file.data if isinstance(file.data, dict) else {}, file.entry)


def approve(item: PendingEntry, *, submissions: Path, moderator: str, journal: Journal) -> Decision:
    """Re-check, move into submissions/ and commit; on any failure the pending file is left as it was.

    Duplicates were shown by `entraide pending`; here only what must block is looked for, so approving
    stays quick beside 50,000 published entries: the file's own problems and its id already published.
    """
    report = check_paths([item.path])
    if report.errors or item.entry is None:
        raise ModerationError(
            f"l'annonce {item.id} ne passe pas la vérification :\n"
            + "\n".join(f"  {f}" for f in report.errors)
            + f"\ncorrigez le fichier {item.path} ou refusez l'annonce (entraide reject)"
        )
    target = entry_path(submissions, item.entry)
    for published in [target, *sorted(submissions.glob(f"*/{item.id}.yaml"))]:
        if published.exists():
            raise ModerationError(
                f"{published} existe déjà : l'annonce {item.id} est déjà publiée ; refusez ce doublon (entraide reject)"
            )
    repository = Repository(submissions if submissions.is_dir() else submissions.parent)
    repository.ensure_ready([target])
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(item.path, target)
    try:
        commit = repository.commit(_approval_message(item.entry, moderator, journal), added=[target])
    except ModerationError:
        shutil.move(target, item.path)
        raise
    journal.record("approved", id=item.id, commune=item.entry.commune, moderator=moderator, commit=commit)
    return Decision(item, "approved", target, commit, tuple(report.warnings))


def _approval_message(entry: Entry, moderator: str, journal: Journal) -> str:
    commune = load_communes().by_code[entry.commune].name
    lines = [f"Approve {entry.id} ({commune}, {entry.category}, {entry.kind})", "", f"Moderated-by: {moderator}"]
    for record in journal.records(entry.id):
        if record.get("action") == "filed":
            lines.append(f"Filed-by: {record.get('agent')} ({record.get('channel')}, consent given by the resident)")
    return "\n".join(lines) + "\n"


def reject(item: PendingEntry, *, reason: str, moderator: str, journal: Journal) -> Decision:
    """Delete the pending file and record why (the reason is refused if it holds a contact)."""
    reason = refuse_contact(reason, "la raison du refus")
    item.path.unlink()
    _remove_empty(item.path.parent)
    journal.record(
        "rejected", id=item.id, commune=str(item.data.get("commune", "")), reason=reason, moderator=moderator
    )
    return Decision(item, "rejected", item.path)


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: other entries of the commune are waiting
        folder.rmdir()


@dataclass(frozen=True)
class Removal:
    """What `remove` did to one published entry."""

    id: str
    path: Path
    commit: str
    by_endpoint: bool  # the file was already gone: the author withdrew it, only git had to be told


def remove(entry_id: str, *, submissions: Path, reason: str, moderator: str, journal: Journal) -> Removal:
    """Delete a published entry and commit it; an entry the endpoint already deleted is only committed.

    The endpoint's local backend deletes a withdrawn entry's file outside git (it has no git): the deletion
    is in the working tree but in no commit, so a plain `git commit` finds nothing staged.
    """
    reason = refuse_contact(reason, "la raison du retrait")
    if not _ID.match(entry_id):
        raise ModerationError(
            f"« {entry_id} » n'est pas un id d'annonce : il figure dans l'adresse de sa page "
            "(/annonces/ID/), dans le signalement ou dans reports/withdrawals.jsonl"
        )
    repository = Repository(submissions if submissions.is_dir() else submissions.parent)
    path = _published_path(repository, submissions, entry_id)
    by_endpoint = not path.exists()
    if not by_endpoint:
        repository.ensure_ready([path])
        path.unlink()
    commune = load_communes().by_slug.get(path.parent.name)
    message = f"Remove {entry_id} ({commune.name if commune else path.parent.name})\n\nReason: {reason}\n"
    try:
        commit = repository.commit(f"{message}Moderated-by: {moderator}\n", removed=[path])
    except ModerationError:
        if not by_endpoint:
            repository.git("checkout", "--", str(path.resolve()))
        raise
    _remove_empty(path.parent)
    journal.record(
        "removed",
        id=entry_id,
        commune=commune.code if commune else "",
        reason=reason,
        moderator=moderator,
        commit=commit,
    )
    return Removal(entry_id, path, commit, by_endpoint)


def _published_path(repository: Repository, submissions: Path, entry_id: str) -> Path:
    """The entry's file as git knows it, present or already deleted from the folder."""
    folder = submissions.resolve().relative_to(repository.root.resolve())
    tracked = repository.git("ls-files", "-z", "--", f"{folder.as_posix()}/*/{entry_id}.yaml").split("\0")
    if not tracked[0]:
        raise ModerationError(
            f"aucune annonce publiée n'a l'id {entry_id} dans {submissions}/ : vérifiez l'id (elle a peut-être "
            "déjà été retirée, ou elle a expiré) ; une annonce en attente se refuse avec « entraide reject », "
            "et son retrait par l'auteur ne demande rien de plus"
        )
    return submissions / Path(tracked[0]).relative_to(folder)


def publish_hint(submissions: Path) -> str:
    """What puts the new commits on the public site, as this repository is set up."""
    repository = Repository(submissions if submissions.is_dir() else submissions.parent)
    lines = ["Le site public n'est pas encore à jour : ces commits ne sont que dans ce dossier."]
    if not repository.git("remote").split():
        lines.append(
            "Ce dépôt n'a pas de dépôt distant (git remote) : l'équipe informatique publie le site depuis ce "
            "dossier avec « make publish »."
        )
    elif (repository.root / PUBLISH_WORKFLOW).exists():
        lines.append(
            "Envoyez-les avec « git push » : sur GitHub, le workflow « Publier le site » "
            f"({PUBLISH_WORKFLOW}) reconstruit alors le site et le met en ligne en quelques minutes ; "
            "ailleurs, l'équipe informatique le publie avec « make publish »."
        )
    else:
        lines.append("Envoyez-les avec « git push », puis l'équipe informatique publie le site (« make publish »).")
    if (repository.root / "Makefile").exists():
        lines.append(
            "Pour vérifier sur ce poste que le site se construit : « make html » (le site est écrit dans output/)."
        )
    return "\n".join(lines)


def find_entry(entry_id: str, submissions: Path, pending: Path) -> dict[str, Any]:
    """The file data of a published or pending entry, for `entraide reveal`."""
    if not _ID.match(entry_id):
        raise ModerationError(
            f"« {entry_id} » n'est pas un id d'annonce : il figure dans l'adresse de sa page "
            "(/annonces/ID/) ou dans le signalement"
        )
    for root in (submissions, pending):
        for path in sorted(root.glob(f"*/{entry_id}.yaml")) if root.is_dir() else ():
            return _read(path).data
    raise ModerationError(
        f"aucune annonce {entry_id} dans {submissions}/ ni {pending}/ : elle a peut-être expiré ou été retirée"
    )
