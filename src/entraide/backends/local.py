"""The local backend: pending entries as files in pending/<commune-slug>/<id>.yaml, for the moderation commands.

Needs no configuration (`make serve` runs it). Each file appears whole or not at all, and only once: it is
written to a temporary file then hard-linked to its name, which fails if another request got there first.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from entraide.entries import Entry, entry_path, to_yaml, write_entry

if TYPE_CHECKING:
    from entraide.config import Config
    from entraide.rules import Flag

log = logging.getLogger("entraide.local")

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{5,63}$")
REPORTS_FILE = "reports.jsonl"
WITHDRAWALS_FILE = "withdrawals.jsonl"
STATUSES_FILE = "statuses.jsonl"


class LocalBackend:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.pending = Path(config.pending_path)
        self.submissions = Path(config.submissions_path)
        self.records = Path(config.reports_path)
        self._lock = threading.Lock()

    def submit(self, entry: Entry, flags: list[Flag], idempotency_key: str) -> str:
        """The pending file; an entry already pending or approved under this id is left as it is."""
        for root in (self.pending, self.submissions):
            if (existing := entry_path(root, entry)).exists():
                log.info("entry %s already received: nothing written", entry.id)
                return str(existing)
        path = entry_path(self.pending, entry)
        if _create_once(path, to_yaml(entry)):
            log.info("entry %s pending in %s (flags: %s)", entry.id, path, ",".join(f.code for f in flags) or "none")
        return str(path)

    def find(self, entry_id: str) -> Entry | None:
        return self._find(entry_id, (self.submissions, self.pending))

    def find_published(self, entry_id: str) -> Entry | None:
        return self._find(entry_id, (self.submissions,))

    def _find(self, entry_id: str, roots: tuple[Path, ...]) -> Entry | None:
        from entraide.pipeline import read_entry  # not on a submission's path: the Lambda's cold start counts

        if not _ID.match(entry_id):
            return None  # also keeps the id from ever naming a path outside the folders
        for root in roots:
            for path in sorted(root.glob(f"*/{entry_id}.yaml")) if root.is_dir() else ():
                entry, _ = read_entry(path)  # the one pipeline: what the build would refuse is not served
                if entry is not None:
                    return entry
        return None

    def withdraw(self, entry: Entry) -> str:
        removed = []
        for root in (self.pending, self.submissions):
            path = entry_path(root, entry)
            try:
                path.unlink()
                removed.append(str(path))
            except FileNotFoundError:
                continue
        self._record(WITHDRAWALS_FILE, {"entry": entry.id, "commune": entry.commune, "removed": removed})
        log.info("entry %s withdrawn by its author", entry.id)
        return ", ".join(removed)

    def change_status(self, entry: Entry, updated: Entry) -> str:
        """The file rewritten where it is (approved, or still pending), atomically; the change recorded."""
        for root in (self.submissions, self.pending):
            if entry_path(root, entry).exists():
                path = write_entry(root, updated)
                self._record(STATUSES_FILE, {"entry": entry.id, "status": updated.state, "renewed": updated.renewed})
                log.info("entry %s: status %s, set by its author", entry.id, updated.state)
                return str(path)
        raise LookupError(f"entry {entry.id} is neither published nor pending")

    def report(self, entry: Entry, reason: str, previous: str | None = None) -> str:
        from entraide.mail import MailUnavailable, send_mail
        from entraide.messages import report_mail

        self._record(REPORTS_FILE, {"entry": entry.id, "commune": entry.commune, "reason": reason})
        if previous:  # the moderators were mailed at the first report: the others wait in the record
            return previous
        try:
            send_mail(self.config, self.config.moderators_email, *report_mail(entry, reason, self.config.site_url))
        except MailUnavailable:
            log.warning("report on entry %s recorded but the moderators' mail failed", entry.id)
        return str(self.records / REPORTS_FILE)

    def _record(self, name: str, record: dict[str, object]) -> None:
        """One JSON line per event; never a contact (entries' contacts are sealed, visitors' are not asked)."""
        record = {"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **record}
        self.records.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.records / name, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")


def _create_once(path: Path, text: str) -> bool:
    """Write `text` at `path` unless it exists, atomically and safely across threads and processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
