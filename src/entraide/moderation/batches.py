"""Moderating a batch from GitHub's web UI: reading what moderators did, the check that tells them what is
missing, and what happens to each entry once the batch is merged or closed.

Everything is read through GitHub's API (the pull request, its files, reviews, review comments and
comments); the entries as the publisher wrote them are read at the batch's first commit (`Lot de …`), so an
entry whose file a moderator deleted is still known, with its sealed contact. The forms moderators write
are in `entraide.batches`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from entraide.batches import is_batch, refusals, withdrawals
from entraide.entries import parse
from entraide.forge import GitHubClient
from entraide.moderation import ModerationError
from entraide.rules import contact_problems

PULL = "/repos/{owner}/{repo}/pulls/{pull_number}"
PULL_FILES = "/repos/{owner}/{repo}/pulls/{pull_number}/files"
REVIEWS = "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"
REVIEW_COMMENTS = "/repos/{owner}/{repo}/pulls/{pull_number}/comments"
COMMENTS = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
GIT_COMMIT = "/repos/{owner}/{repo}/git/commits/{commit_sha}"
CONTENTS = "/repos/{owner}/{repo}/contents/{path}"
PAGE = 100
FIRST_COMMIT = "Lot de "  # the publisher's commit message (backends/github.py)
LONGEST_WALK = 500  # commits between a batch's head and its first one: moderators' deletions and edits
LISTED = re.compile(r"fichier `(?P<path>submissions/[a-z0-9-]+/(?P<id>[a-z0-9][a-z0-9-]{5,63})\.yaml)`")
DEFAULT_REASON = "Les modérateurs n'ont pas retenu cette annonce."


@dataclass(frozen=True)
class BatchEntry:
    id: str
    path: str
    data: dict[str, Any]  # the file as the publisher wrote it (its contact sealed)


@dataclass(frozen=True)
class Batch:
    number: int
    state: str  # open or closed
    merged: bool
    merge_commit: str | None
    entries: tuple[BatchEntry, ...]
    kept: frozenset[str]  # paths the pull request still adds
    refusals: dict[str, str]  # entry id → reason, from `Refus <id> : <motif>`
    withdrawn: frozenset[str]  # ids their authors withdrew (`Retrait <id> : …`)
    closing_comment: str  # the last comment that is not a refusal or a withdrawal line

    def removed(self) -> list[BatchEntry]:
        """Entries whose file a moderator deleted from the pull request."""
        return [e for e in self.entries if e.path not in self.kept and e.id not in self.withdrawn]


@dataclass(frozen=True)
class Decision:
    entry: BatchEntry
    action: str  # approved, rejected, withdrawn: the journal's words
    reason: str = ""


def read_batch(client: GitHubClient, number: int) -> Batch | None:
    """The batch as moderators left it; None when this pull request is not a batch."""
    pull = client.call("GET", PULL, pull_number=str(number), expect=(200,)).data
    if not is_batch(pull["head"]["ref"]):
        return None
    origin = _first_commit(client, pull["head"]["sha"])
    listed = dict.fromkeys((m["id"], m["path"]) for m in LISTED.finditer(pull.get("body") or ""))
    entries = tuple(BatchEntry(entry_id, path, _read_entry(client, path, origin)) for entry_id, path in listed)
    files = _pages(client, PULL_FILES, pull_number=str(number))
    comments = [c.get("body") or "" for c in _pages(client, COMMENTS, issue_number=str(number))]
    texts = [
        *(r.get("body") or "" for r in _pages(client, REVIEWS, pull_number=str(number))),
        *(c.get("body") or "" for c in _pages(client, REVIEW_COMMENTS, pull_number=str(number))),
        *comments,
    ]
    closing = [c for c in comments if not refusals([c]) and not withdrawals([c]) and c.strip()]
    return Batch(
        number,
        pull["state"],
        bool(pull.get("merged")),
        pull.get("merge_commit_sha"),
        entries,
        frozenset(f["filename"] for f in files if f["status"] != "removed"),
        refusals(texts),
        frozenset(withdrawals(texts)),
        " ".join(closing[-1].split()) if closing else "",
    )


def problems(batch: Batch) -> list[tuple[str, str]]:
    """(entry id, what to do, in French) for each refusal without a reason or a reason without a refusal."""
    found = []
    for entry in batch.removed():
        reason = batch.refusals.get(entry.id)
        if reason is None:
            found.append(
                (
                    entry.id,
                    f"son fichier a été supprimé du lot sans motif : écrivez dans une revue « Refus {entry.id} : "
                    "<motif> » (le motif est envoyé à l'auteur)",
                )
            )
        elif not reason:
            found.append((entry.id, f"le motif de refus est vide : écrivez-le après « Refus {entry.id} : »"))
        elif contact_problems({"description": reason}):
            found.append((entry.id, "le motif contient une adresse e-mail, un numéro ou un lien : retirez-les"))
    paths = {entry.id: entry.path for entry in batch.entries}
    for entry_id in batch.refusals:
        if entry_id not in paths:
            found.append((entry_id, "ce motif de refus ne nomme aucune annonce de ce lot : vérifiez l'identifiant"))
        elif paths[entry_id] in batch.kept:
            found.append(
                (
                    entry_id,
                    "un motif de refus est écrit, mais son fichier est toujours dans le lot : supprimez "
                    "le fichier pour la refuser, ou retirez le motif pour la garder",
                )
            )
    return found


def decisions(batch: Batch) -> list[Decision]:
    """What happened to each entry of a merged or closed batch."""
    if batch.state != "closed":
        raise ModerationError(f"le lot n° {batch.number} est encore ouvert : fusionnez-le ou fermez-le d'abord")
    made = []
    for entry in batch.entries:
        if entry.id in batch.withdrawn:
            made.append(Decision(entry, "withdrawn"))
        elif batch.merged and entry.path in batch.kept:
            made.append(Decision(entry, "approved"))
        else:
            closing = "" if batch.merged else batch.closing_comment
            made.append(Decision(entry, "rejected", _safe_reason(batch.refusals.get(entry.id) or closing)))
    return made


def _safe_reason(reason: str) -> str:
    """The moderator's reason, or the default one when it is empty or holds a contact (never mailed or kept)."""
    reason = " ".join(reason.split())
    return reason if reason and not contact_problems({"description": reason}) else DEFAULT_REASON


def _first_commit(client: GitHubClient, head: str) -> str:
    """The publisher's commit: the oldest of the branch, whose message starts with `Lot de `."""
    sha = head
    for _ in range(LONGEST_WALK):
        commit = client.call("GET", GIT_COMMIT, commit_sha=sha, expect=(200,)).data
        if commit["message"].startswith(FIRST_COMMIT) or not commit["parents"]:
            return sha
        sha = commit["parents"][0]["sha"]
    raise ModerationError(f"le premier commit du lot est introuvable ({LONGEST_WALK} commits parcourus)")


def _read_entry(client: GitHubClient, path: str, ref: str) -> dict[str, Any]:
    reply = client.call("GET", CONTENTS, path=path, params={"ref": ref}, expect=(200, 404))
    if reply.status != 200 or not isinstance(reply.data, dict):
        return {}
    data = parse(base64.b64decode(reply.data.get("content") or "").decode("utf-8"))
    return data if isinstance(data, dict) else {}


def _pages(client: GitHubClient, route: str, **path: str) -> Iterator[dict[str, Any]]:
    page = 1
    while True:
        items = client.call("GET", route, params={"per_page": PAGE, "page": page}, expect=(200,), **path).data
        yield from items
        if len(items) < PAGE:
            return
        page += 1


def tell_authors(
    made: list[Decision],
    *,
    number: int,
    merge_commit: str | None,
    moderator: str,
    record: Callable[..., Any],
    mail: Callable[[BatchEntry, str, str], str],
) -> Iterator[str]:
    """Journal each decision and mail each author (`mail(entry, action, reason)` says what it did); a line
    per entry for the moderator."""
    for decision in made:
        entry = decision.entry
        commune = str(entry.data.get("commune", ""))
        if decision.action == "withdrawn":
            record("withdrawn", id=entry.id, commune=commune, pull_request=number, moderator=moderator)
            yield f"{entry.id} : retirée par son auteur pendant la relecture (rien à envoyer)"
            continue
        if decision.action == "approved":
            record(
                "approved",
                id=entry.id,
                commune=commune,
                moderator=moderator,
                pull_request=number,
                commit=merge_commit or "",
            )
            said = "acceptée"
        else:
            record(
                "rejected",
                id=entry.id,
                commune=commune,
                reason=decision.reason,
                moderator=moderator,
                pull_request=number,
            )
            said = f"refusée ({decision.reason})"
        yield f"{entry.id} : {said}, {mail(entry, decision.action, decision.reason)}"
