"""`entraide check`: every rule an entry file must pass, located by file and line, fast on 50,000 files.

Each file is read once and checked alone (schema, file name, folder, location, dates, then the content
rules), in parallel over the machine's cores; what spans files (duplicate ids, same text, same sealed
contact) is decided afterwards from a small summary of each file. The same contact is only known with the
instance's private key (moderators have it, the public repository's CI does not), apart from old v1
contacts whose fingerprint is written in the file.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from entraide.communes import load_communes
from entraide.entries import Publication, check, key_line, parse, publication
from entraide.rules import contact_problems, payment_flags
from entraide.sealing import KeyPair, fingerprint

ERROR, WARNING = "error", "warning"
T = TypeVar("T")
PARALLEL_FROM = 2000  # below this, starting worker processes costs more than it saves
CHUNK_SIZE = 250
FOLDER_README = "README.md"  # submissions/README.md keeps the folder in git when no entry is left


@dataclass(frozen=True, order=True)
class Finding:
    """One problem (error) or one thing to look at (warning), printed `file:line: key: message`."""

    path: str
    line: int
    key: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        warning = "avertissement : " if self.severity == WARNING else ""
        return f"{self.path}:{self.line}: {self.key or 'fichier'}: {warning}{self.message}"


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
    files, found = collect(paths)
    findings += found
    checked = {os.path.realpath(p) for p in files}
    reference = [p for p in collect(against)[0] if os.path.realpath(p) not in checked]
    done = _Done(len(files) + len(reference), progress)
    summaries = []
    for found, summary in done.count(map_files(functools.partial(check_file, keys=keys), files, workers)):
        findings += found + _publication_warnings(summary, found, today)
        summaries.append(summary)
    others = list(done.count(map_files(functools.partial(summarise_file, keys=keys), reference, workers)))
    findings += duplicate_findings([s for s in summaries if s], [s for s in others if s])
    unknown = sum(1 for s in summaries if s and s.contact_unknown)
    return Report(sorted(findings), len(files), unknown)


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


def collect(paths: Iterable[Path]) -> tuple[list[Path], list[Finding]]:
    """Entry files under `paths` (folders laid out like submissions/, commune folders, or files) and strays."""
    files: list[Path] = []
    findings: list[Finding] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif not path.is_dir():
            findings.append(Finding(shown(path), 1, "", "fichier ou dossier introuvable : vérifiez le chemin"))
        elif path.name in load_communes().by_slug:
            _collect_commune(path, files, findings)
        else:
            _collect_root(path, files, findings)
    return files, findings


def _collect_root(root: Path, files: list[Path], findings: list[Finding]) -> None:
    for child in sorted(root.iterdir()):
        if _hidden(child, findings) or child.name == FOLDER_README:
            continue
        if child.is_file():
            findings.append(
                Finding(
                    shown(child),
                    1,
                    "",
                    f"fichier hors d'un dossier de commune : déplacez-le dans "
                    f"{shown(root)}/<commune>/ (par exemple grenoble/)",
                )
            )
        elif child.name in load_communes().by_slug:
            _collect_commune(child, files, findings)
        else:
            findings.append(
                Finding(
                    shown(child) + "/",
                    1,
                    "",
                    "dossier inconnu : chaque dossier porte le nom d'une "
                    "commune (par exemple grenoble/, saint-egreve/) ; "
                    "déplacez ses fichiers dans le bon dossier",
                )
            )
            _collect_commune(child, files, findings)


def _collect_commune(folder: Path, files: list[Path], findings: list[Finding]) -> None:
    for child in sorted(folder.iterdir()):
        if _hidden(child, findings):
            continue
        if child.is_file():
            files.append(child)
        else:
            findings.append(
                Finding(
                    shown(child) + "/",
                    1,
                    "",
                    f"sous-dossier inattendu : les annonces sont "
                    f"directement dans {shown(folder)}/ ; "
                    "déplacez-les et supprimez ce dossier",
                )
            )


def _hidden(path: Path, findings: list[Finding]) -> bool:
    if not path.name.startswith("."):
        return False
    findings.append(Finding(shown(path), 1, "", "fichier caché ignoré par le site : supprimez-le", WARNING))
    return True


def shown(path: Path) -> str:
    """The path as people and GitHub annotations expect it: relative to the current folder when inside it."""
    folder = _shown_folder(str(path.parent), os.getcwd())
    return path.name if folder == "." else f"{folder}/{path.name}"


@functools.lru_cache(maxsize=4096)
def _shown_folder(folder: str, cwd: str) -> str:
    """Once per folder: relpath costs more than checking a file's dates, 50,000 times over."""
    relative = os.path.relpath(folder, cwd)
    return folder if relative.startswith("..") else relative


def map_files(work: Callable[[Path], T], files: list[Path], workers: int | None = None) -> Iterator[T]:
    """`work` on each file, in order, over every core when there are enough files to be worth it."""
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(files) < PARALLEL_FROM:
        yield from map(work, files)
        return
    check({}, filename=None)  # load the schema and communes once, before the workers are forked
    with multiprocessing.Pool(workers) as pool:
        yield from pool.imap(work, files, chunksize=CHUNK_SIZE)


def check_file(path: Path, keys: KeyPair | None = None) -> tuple[list[Finding], Summary | None]:
    """Every rule of one file: its problems (file and line) and its summary for the cross-file rules."""
    name = shown(path)
    try:
        text = path.read_bytes().decode("utf-8")
        data = parse(text)
    except OSError as error:
        return [Finding(name, 1, "", f"fichier illisible ({error.strerror}) : vérifiez ses droits")], None
    except UnicodeDecodeError:
        return [Finding(name, 1, "", "le fichier n'est pas en UTF-8 : réenregistrez-le en UTF-8")], None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return [
            Finding(
                name,
                mark.line + 1 if mark else 1,
                "",
                f"YAML illisible ({getattr(error, 'problem', error)}) : vérifiez l'indentation et les guillemets",
            )
        ], None
    problems = check(data, filename=str(path))
    if not isinstance(data, dict):
        return [Finding(name, 1, p.key, p.message) for p in problems], None
    lines = KeyLines(text)
    findings = [Finding(name, lines[p.key], p.key, p.message) for p in problems + contact_problems(data)]
    findings += [Finding(name, lines[f.key], f.key, _payment_message(f.excerpt), WARNING) for f in payment_flags(data)]
    return findings, _summary(name, lines, data, keys)


def summarise_file(path: Path, keys: KeyPair | None = None) -> Summary | None:
    """Only what duplicate detection needs, for entries compared with but not checked (`--against`)."""
    try:
        text = path.read_bytes().decode("utf-8")
        data = parse(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return _summary(shown(path), KeyLines(text), data, keys) if isinstance(data, dict) else None


def _payment_message(excerpt: str) -> str:
    return (
        f"mention de paiement (« {excerpt} ») : l'aide est gratuite ; acceptez un remboursement de frais "
        "(courses), refusez une demande de paiement"
    )


def _summary(name: str, lines: KeyLines, data: dict[str, Any], keys: KeyPair | None) -> Summary:
    title, description = data.get("title"), data.get("description")
    normalised = None
    if isinstance(title, str) and isinstance(description, str):
        words = " ".join(f"{title} {description}".casefold().split())
        normalised = hashlib.blake2b(words.encode(), digest_size=16).hexdigest()
    contact, entry_id = data.get("contact"), data.get("id")
    person = fingerprint(contact, keys) if isinstance(contact, str) else ""
    return Summary(
        path=name,
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


class KeyLines:
    """Where each top-level key is written: one scan for `key:` at line starts, the YAML parser otherwise."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: dict[str, int] = {}
        for number, line in enumerate(text.split("\n"), 1):
            if line[:1].isalpha():
                self.lines.setdefault(line.partition(":")[0], number)

    def __getitem__(self, key: str) -> int:
        if not key:
            return 1
        if key not in self.lines:
            self.lines[key] = key_line(self.text, key)  # quoted keys, flow style: rare, so parse again
        return self.lines[key]


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
        groups: dict[str, list[Summary]] = defaultdict(list)
        for summary in everyone:
            if getattr(summary, attribute):
                groups[getattr(summary, attribute)].append(summary)
        for group in groups.values():
            first = group[0]
            findings += [_duplicate(attribute, s, first) for s in group[1:] if s.path in checked]
    return findings


def _duplicate(attribute: str, summary: Summary, first: Summary) -> Finding:
    if attribute == "id":
        return Finding(
            summary.path,
            summary.id_line,
            "id",
            f"« {summary.id} » est déjà l'id de {first.path} : "
            "chaque annonce doit avoir un id unique ; renommez "
            "l'une des deux (id et nom du fichier)",
        )
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
