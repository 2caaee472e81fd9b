"""`entraide check`: every rule an entry file must pass, located by file and line, fast on 50,000 files.

Each file goes through the one pipeline the build and the endpoint use (`entraide.pipeline`: schema, file
name, folder, location, dates, content rules), in parallel over the machine's cores; what spans files
(duplicate ids, same text, same sealed contact) is decided afterwards from a small summary of each file,
and dates are compared with today. The same contact is only known with the instance's private key
(moderators have it, the public repository's CI does not), apart from old v1 contacts whose fingerprint
is written in the file.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from entraide import pipeline
from entraide.entries import Publication, publication
from entraide.pipeline import (
    ERROR,
    WARNING,
    EntryFile,
    FilePath,
    Finding,
    collect,
    duplicate_id,
    map_files,
    repeated,
    shown,
)
from entraide.sealing import KeyPair, fingerprint

T = TypeVar("T")


@dataclass(frozen=True)
class Summary:
    """What cross-file rules need from one entry file, small enough to send between processes."""

    path: str
    id: str | None
    created: str
    expires: str
    text: str | None  # a hash of the normalised title and description
    contact: str  # the sealed contact's keyed fingerprint, "" when absent or not known without the key
    contact_unknown: bool  # a contact whose fingerprint needs the private key, not given (or another instance's)
    id_line: int
    title_line: int
    contact_line: int
    created_line: int
    expires_line: int


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    checked: int = 0
    contacts_unknown: int = 0  # checked files whose contact could not be compared (no private key)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]


def check_paths(
    paths: Iterable[Path],
    *,
    against: Iterable[Path] = (),
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    changes_in: Path | None = None,
    keys: KeyPair | None = None,
) -> Report:
    """Check the entry files under `paths`; `against` are other entries compared for duplicates only.

    With `changes_in`, `paths` are the files a pull request changes: deleted ones are skipped, and those
    outside that folder are reported (an entry's pull request touches nothing else), not checked.
    With `keys` (the instance's private key), sealed contacts are opened to find one person's entries.
    """
    findings: list[Finding] = []
    if changes_in is not None:
        paths, findings = _pull_request_files(paths, changes_in)
    collected, found = collect(paths)
    findings += found
    files = list(collected)  # plain strings: cheaper than Path objects to send to the workers
    reference = _reference(files, list(against))
    done = _Done(len(files) + len(reference), progress)
    summaries = []
    for found, summary in done.count(map_files(functools.partial(check_file, keys=keys), files, workers)):
        findings += found + _publication_warnings(summary, found, today)
        summaries.append(summary)
    others = list(done.count(map_files(functools.partial(summarise_file, keys=keys), reference, workers)))
    findings += duplicate_findings([s for s in summaries if s], [s for s in others if s])
    unknown = sum(1 for s in summaries if s and s.contact_unknown)
    return Report(sorted(findings), len(files), unknown)


def _reference(files: list[str], against: list[Path]) -> list[str]:
    """The entries under `against` that are not checked themselves; resolving 50,000 paths takes seconds,
    so only when there are any."""
    if not against:
        return []
    checked = {os.path.realpath(p) for p in files}
    return [p for p in collect(against)[0] if os.path.realpath(p) not in checked]


class _Done:
    """Counts files as they are checked, for a progress bar over both the checked and the reference files."""

    def __init__(self, total: int, progress: Callable[[int, int], None] | None) -> None:
        self.total, self.number, self.progress = total, 0, progress

    def count(self, results: Iterable[T]) -> Iterator[T]:
        for result in results:
            self.number += 1
            if self.progress:
                self.progress(self.number, self.total)
            yield result


def _pull_request_files(paths: Iterable[Path], root: Path) -> tuple[list[Path], list[Finding]]:
    inside, findings = [], []
    top = os.path.realpath(root)
    for path in paths:
        if not path.exists():
            continue
        if os.path.realpath(path).startswith(top + os.sep):
            inside.append(path)
        else:
            findings.append(
                Finding(
                    shown(path),
                    1,
                    "",
                    f"fichier hors de {shown(root)}/ : une pull request "
                    "d'annonce ne modifie que des annonces ; ne fusionnez "
                    "pas sans l'avis de l'équipe informatique",
                    WARNING,
                )
            )
    return inside, findings


def check_file(path: FilePath, keys: KeyPair | None = None) -> tuple[list[Finding], Summary | None]:
    """Every rule of one file (the pipeline's) and its summary for the cross-file rules."""
    file = pipeline.check_file(path)
    return file.findings, _summary(file, keys)


def summarise_file(path: FilePath, keys: KeyPair | None = None) -> Summary | None:
    """Only what duplicate detection needs, for entries compared with but not checked (`--against`)."""
    return _summary(pipeline.read_file(path), keys)


def _summary(file: EntryFile, keys: KeyPair | None) -> Summary | None:
    if not isinstance(file.data, dict):
        return None
    data, lines = file.data, file.lines
    title, description = data.get("title"), data.get("description")
    normalised = None
    if isinstance(title, str) and isinstance(description, str):
        words = " ".join(f"{title} {description}".casefold().split())
        normalised = hashlib.blake2b(words.encode(), digest_size=16).hexdigest()
    contact, entry_id = data.get("contact"), data.get("id")
    person = fingerprint(contact, keys) if isinstance(contact, str) else ""
    return Summary(
        path=shown(file.path),
        id=entry_id if isinstance(entry_id, str) else None,
        created=_text(data.get("created")),
        expires=_text(data.get("expires")),
        text=normalised,
        contact=person,
        contact_unknown=bool(contact) and not person,
        id_line=lines["id"],
        title_line=lines["title"],
        contact_line=lines["contact"],
        created_line=lines["created"],
        expires_line=lines["expires"],
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _publication_warnings(summary: Summary | None, found: list[Finding], today: dt.date | None) -> list[Finding]:
    """A valid entry the site does not show on `today` (expired, or dated after it): worth a word before merging."""
    if today is None or summary is None or any(f.key in ("created", "expires") for f in found):
        return []
    try:
        status = publication(summary.created, summary.expires, today)
    except ValueError:
        return []
    if status is Publication.EXPIRED:
        expires = dt.date.fromisoformat(summary.expires)
        message = (
            f"annonce expirée le {expires:%d/%m/%Y} : le site ne l'affiche plus et `entraide expire` la supprimera"
        )
        return [Finding(summary.path, summary.expires_line, "expires", message, WARNING)]
    if status is Publication.NOT_YET:
        created = dt.datetime.fromisoformat(summary.created)
        message = (
            f"annonce datée du {created:%d/%m/%Y}, après le {today:%d/%m/%Y} : le site ne la publiera qu'à "
            "partir de ce jour ; vérifiez la date de création"
        )
        return [Finding(summary.path, summary.created_line, "created", message, WARNING)]
    return []


def duplicate_findings(summaries: list[Summary], reference: Iterable[Summary] = ()) -> list[Finding]:
    """Same id (error), same text or same sealed contact (warnings) as an older entry, for each checked file."""
    everyone = sorted([*reference, *summaries], key=lambda s: (s.created, s.path))
    checked = {s.path for s in summaries}
    findings = []
    for attribute in ("id", "text", "contact"):
        for summary, first in repeated(everyone, attrgetter(attribute)):
            if summary.path in checked:
                findings.append(_duplicate(attribute, summary, first))
    return findings


def _duplicate(attribute: str, summary: Summary, first: Summary) -> Finding:
    if attribute == "id":
        return duplicate_id(summary.path, summary.id_line, summary.id or "", first.path)
    if attribute == "text":
        return Finding(
            summary.path,
            summary.title_line,
            "title",
            f"doublon possible : même titre et même description "
            f"que {first.path} ; gardez une seule des deux "
            "annonces si c'est la même personne",
            WARNING,
        )
    return Finding(
        summary.path,
        summary.contact_line,
        "contact",
        f"doublon possible : même contact (scellé) que "
        f"{first.path} ; la même personne a déjà une "
        "annonce, vérifiez que ce n'est pas la même",
        WARNING,
    )
