"""Expiry: entries past their `expires` date leave the repository, in one commit, every day.

Only the `expires` key is read (a quick parse of each file): an otherwise invalid file is left for
`entraide check` to report, never deleted on a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from entraide.moderation.gitops import Repository
from entraide.pipeline import entry_paths, map_files, read_file


@dataclass(frozen=True)
class Expired:
    path: Path
    id: str
    expires: dt.date


def find_expired(
    submissions: Path, today: dt.date, progress: Callable[[int, int], None] | None = None
) -> tuple[list[Expired], list[Path]]:
    """Entries whose last day is before `today`, and the files whose date could not be read."""
    paths = entry_paths(submissions) if submissions.is_dir() else []
    expired, unreadable = [], []
    for number, (path, expires) in enumerate(zip(paths, map_files(expires_on, paths), strict=True), 1):
        if expires is None:
            unreadable.append(path)
        elif expires < today:
            expired.append(Expired(path, path.stem, expires))
        if progress:
            progress(number, len(paths))
    return expired, unreadable


def expires_on(path: Path) -> dt.date | None:
    try:
        return dt.date.fromisoformat(read_file(path).data["expires"])
    except Exception:  # unreadable, no key, not a date: `entraide check` says which and why
        return None


def remove_expired(expired: list[Expired], repository: Repository | None, today: dt.date, moderator: str) -> str:
    """Delete the files and, with a repository, commit them all at once; returns the commit hash or ''."""
    if repository:
        repository.ensure_ready([e.path for e in expired])
    for item in expired:
        item.path.unlink()
    if not repository or not expired:
        return ""
    return repository.commit(_message(expired, today, moderator), removed=[e.path for e in expired])


def _message(expired: list[Expired], today: dt.date, moderator: str) -> str:
    lines = [f"Expire {len(expired)} {'entry' if len(expired) == 1 else 'entries'} past their date ({today})", ""]
    lines += [f"- {item.id} (expired {item.expires})" for item in expired[:1000]]
    if len(expired) > 1000:
        lines.append(f"- and {len(expired) - 1000} more")
    return "\n".join([*lines, "", f"Moderated-by: {moderator}"]) + "\n"
