"""Whether a status pull request may be merged without a moderator: `entraide review-status BASE HEAD`.

The endpoint opens such a pull request when an author changes their entry's status (backends/github.py); the
workflow status.yml asks this module, running the base branch's code, and merges only when the change, from
the merge base to HEAD, is one modified entry file whose data differs by nothing but `status` — or, for « j'ai
toujours besoin d'aide », by a first renewal (`renewed` set, `expires` moved no further than ENTRAIDE_EXPIRY_DAYS
from it, `status` open) — and whose new version passes every rule of `entraide check`. Anything else is left to
the moderators, with the reasons in French.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entraide.moderation.gitops import Repository
from entraide.pipeline import apply_rules, errors, read_text

ENTRY_FILE = re.compile(r"submissions/[a-z0-9-]+/[a-z0-9][a-z0-9-]{5,63}\.yaml")
STATUS_ONLY = {"status"}
RENEWAL = {"status", "renewed", "expires"}


@dataclass
class Review:
    path: str = ""
    reasons: list[str] = field(default_factory=list)  # why a moderator must look; empty: merge

    @property
    def mergeable(self) -> bool:
        return not self.reasons


def review_status_change(repository: Repository, base: str, head: str, expiry_days: int) -> Review:
    """The verdict on the changes of `head` since its merge base with `base`."""
    merge_base = repository.git("merge-base", base, head).strip()
    changes = repository.git("diff", "--name-status", "--no-renames", "-z", merge_base, head).split("\0")
    pairs = list(zip(changes[::2], changes[1::2], strict=False))
    if len(pairs) != 1:
        return Review(reasons=[f"la pull request modifie {len(pairs)} fichiers : un seul est attendu"])
    change, path = pairs[0]
    review = Review(path)
    if change != "M" or not ENTRY_FILE.fullmatch(path):
        review.reasons.append(f"{path} : seule la modification d'un fichier d'annonce de submissions/ est attendue")
        return review
    before = read_text(repository.git("show", f"{merge_base}:{path}"), Path(path)).data
    after = apply_rules(read_text(repository.git("show", f"{head}:{path}"), Path(path)))
    review.reasons += [str(finding) for finding in errors(after.findings)]
    if not review.reasons and isinstance(before, dict):
        review.reasons += _data_problems(before, after.data, expiry_days)
    return review


def _data_problems(before: dict[str, Any], after: dict[str, Any], expiry_days: int) -> list[str]:
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    if changed <= STATUS_ONLY:
        return []
    if not changed <= RENEWAL:
        return ["la pull request modifie " + ", ".join(sorted(changed - RENEWAL)) + " : seul « status » peut changer"]
    return _renewal_problems(before, after, expiry_days)


def _renewal_problems(before: dict[str, Any], after: dict[str, Any], expiry_days: int) -> list[str]:
    if before.get("renewed"):
        return ["l'annonce a déjà été renouvelée une fois : un second renouvellement passe par les modérateurs"]
    if "renewed" not in after:
        return ["« expires » change sans renouvellement (« renewed ») : seul « status » peut changer seul"]
    renewed = dt.datetime.fromisoformat(after["renewed"]).date()
    latest = renewed + dt.timedelta(days=expiry_days)
    expires = dt.date.fromisoformat(after["expires"])
    if expires > latest or expires < dt.date.fromisoformat(before["expires"]):
        return [f"le renouvellement fixe « expires » au {expires:%d/%m/%Y} : au plus tard le {latest:%d/%m/%Y} attendu"]
    if after.get("status", "open") != "open":
        return ["un renouvellement rouvre l'annonce : « status » doit être absent ou open"]
    return []
