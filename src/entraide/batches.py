"""Batches: what moderators and the tools agree on when one pull request holds many entries of one commune.

The publisher opens a batch on a branch `entraide/lot-<name>`; its body lists each entry's file. Moderators
accept everything by merging; they refuse one entry by deleting its file from the pull request and writing,
in a review or a comment, one line per refusal:

    Refus <identifiant> : <motif>

An author who withdraws an entry from an open batch leaves, through the endpoint, a line
`Retrait <identifiant> : …`. Closing a batch without merging refuses every entry left in it, with the closing
comment (the last comment) as the reason. These forms are parsed here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

BRANCH_PREFIX = "entraide/lot-"
REFUSAL_FORM = "Refus <identifiant> : <motif>"
_LINE = re.compile(
    r"^\s*(?P<word>refus|retrait)\s+`?(?P<id>[a-z0-9][a-z0-9-]{5,63})`?\s*:\s*(?P<reason>.*)$", re.I | re.M
)


def batch_branch(name: str) -> str:
    return BRANCH_PREFIX + name


def is_batch(branch: str) -> bool:
    return branch.startswith(BRANCH_PREFIX)


def withdrawal_comment(entry_id: str) -> str:
    return (
        f"Retrait {entry_id} : l'auteur a retiré son annonce avec sa clé de retrait. Son fichier a été enlevé "
        "de ce lot ; il n'y a rien d'autre à faire pour elle."
    )


def refusals(texts: Iterable[str]) -> dict[str, str]:
    """Entry id → reason, from every `Refus <id> : <motif>` line of these texts (the last one wins; an empty
    reason stays empty: the check says so)."""
    found: dict[str, str] = {}
    for text in texts:
        for match in _LINE.finditer(text or ""):
            if match["word"].lower() == "refus":
                found[match["id"]] = " ".join(match["reason"].split())
    return found


def withdrawals(texts: Iterable[str]) -> set[str]:
    """Ids of entries their authors withdrew from the batch (`Retrait <id> : …`)."""
    return {match["id"] for text in texts for match in _LINE.finditer(text or "") if match["word"].lower() == "retrait"}
