"""The moderation journal: who approved, rejected, expired, filed or revealed what, and why.

One JSON line per action in `<ENTRAIDE_REPORTS_PATH>/moderation.jsonl`, next to the endpoint's reports
and withdrawals (a folder kept out of git). It never holds a contact: free text typed by a moderator (a
reason) is refused when it contains one, before anything is done.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from entraide.moderation import ModerationError
from entraide.rules import contact_problems

JOURNAL_FILE = "moderation.jsonl"


class Journal:
    def __init__(self, folder: Path) -> None:
        self.path = folder / JOURNAL_FILE

    def record(self, action: str, **fields: Any) -> dict[str, Any]:
        """Append one record; a single write in append mode, so concurrent commands never interleave lines."""
        record = {"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "action": action, **fields}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(handle, line)
        finally:
            os.close(handle)
        return record

    def records(self, entry_id: str | None = None) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as stream:
            for line in stream:
                record = json.loads(line)
                if entry_id is None or record.get("id") == entry_id:
                    yield record


def refuse_contact(text: str, what: str) -> str:
    """`text` trimmed, or a French error when it holds an email, phone or link (records never hold contacts)."""
    text = " ".join(text.split())
    if not text:
        raise ModerationError(f"{what} est vide : écrivez-la en quelques mots")
    if contact_problems({"description": text}):
        raise ModerationError(
            f"{what} contient une adresse e-mail, un numéro de téléphone ou un lien : "
            "retirez-les, le journal de modération ne garde jamais de coordonnées"
        )
    return text
