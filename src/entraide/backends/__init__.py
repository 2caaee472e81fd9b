"""Where pending entries go: the small interface every backend implements, and the choice by setting.

A backend receives an already validated, sealed entry; it never sees a contact in clear. Adding GitLab
merge requests means adding one module implementing `Backend` and one line in `make_backend`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from entraide.config import Config
    from entraide.entries import Entry
    from entraide.rules import Flag
    from entraide.store import Store


class ForgeUnavailable(Exception):
    """The backend cannot take this now; the endpoint answers 503 with Retry-After and keeps the form."""

    def __init__(self, retry_after_seconds: int, message_fr: str) -> None:
        super().__init__(message_fr)
        self.retry_after_seconds = max(1, int(retry_after_seconds))
        self.message_fr = message_fr


class Backend(Protocol):
    def submit(self, entry: Entry, flags: list[Flag], idempotency_key: str) -> str:
        """Hand the entry to the moderators; the reference: its pending file's path or its pull request's URL.

        An entry already handed over (a publisher killed half way, another instance) gives the same reference
        and writes nothing new. Whether a form is new is the intake's to say (the store), not the backend's.
        """

    def find(self, entry_id: str) -> Entry | None:
        """The approved (submissions/) or pending entry with this id, or None."""

    def find_published(self, entry_id: str) -> Entry | None:
        """The approved entry with this id, or None: what the relay may serve (never a pending one)."""

    def withdraw(self, entry: Entry) -> str:
        """Remove the entry at its author's request (local: delete the file; github: a pull request deleting it)."""

    def change_status(self, entry: Entry, updated: Entry) -> str:
        """Write the author's status change (`updated` differs from `entry` by its status, or by a renewal): local,
        the file rewritten; github, a pull request changing only that, which a workflow merges by itself."""

    def report(self, entry: Entry, reason: str, previous: str | None = None) -> str:
        """Bring a visitor's report to the moderators (local: record and mail; github: an issue). With
        `previous` (what the entry's first report returned), add to it (local: record; github: a comment)."""


class Batches(Protocol):
    """What a backend that can group entries adds (github): the publisher uses it when `batching` is set and
    the queue is longer than its threshold."""

    batching: Any  # github.Batching: threshold and size, from ENTRAIDE_BATCH_THRESHOLD and ENTRAIDE_BATCH_SIZE

    def submit_batch(self, name: str, members: list[tuple[Entry, list[Flag]]]) -> dict[str, str]:
        """One pull request for these entries of one commune: entry id → its reference, for each it holds."""

    def batch_wait(self) -> float:
        """Seconds before the next batch may start (the forge's pace); 0: now."""


def make_backend(config: Config, store: Store | None = None) -> Backend:
    """The backend named by ENTRAIDE_BACKEND; each is imported only when chosen (cold start). With the store,
    the forge's writes are counted for every instance together."""
    if config.backend == "github":
        from entraide.backends.github import GitHubBackend

        return GitHubBackend.from_config(config, store.forge_writes if store else None)
    from entraide.backends.local import LocalBackend

    return LocalBackend(config)
