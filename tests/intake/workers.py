"""What the child processes of the intake's tests run: each opens its own store, as a separate instance would."""

from __future__ import annotations

import time
from typing import Any

from entraide.backends.github import GitHubBackend
from entraide.forge import Limits
from entraide.publisher import publish
from entraide.store import open_store

TOKEN = "ghp_intake-test-token"
REPOSITORY = "metropole/entraide"
NO_SPACING = Limits(write_interval_seconds=0)  # GitHub's second between writes has its own tests


def publish_queue(url: str, api_url: str, offset: float, results: Any) -> None:
    """`entraide publish` as a child process: drain the queue into pull requests on the fake GitHub.

    Its clock runs `offset` seconds ahead, so that a restart sees the lease and claims of a killed publisher
    run out, as they would for a publisher started that much later.
    """
    store = open_store(url)
    backend = GitHubBackend(REPOSITORY, TOKEN, api_url=api_url, limits=NO_SPACING, timeout_seconds=60)
    run = publish(store, backend, clock=lambda: time.time() + offset)
    results.put({"published": run.published, "failed": run.failed, "busy": run.busy, "paused": run.paused})


def publish_batches(url: str, api_url: str, offset: float, results: Any) -> None:
    """`publish_queue` with batches from the first entry (threshold 0): one pull request for the commune."""
    from entraide.backends.github import Batching

    store = open_store(url)
    backend = GitHubBackend(
        REPOSITORY, TOKEN, api_url=api_url, limits=NO_SPACING, timeout_seconds=60, batching=Batching(0, 50)
    )
    backend.batch_wait = lambda: 0.0  # each restart comes at once: GitHub's pace between batches has its own test
    run = publish(store, backend, clock=lambda: time.time() + offset)
    results.put({"published": run.published, "failed": run.failed, "busy": run.busy, "paused": run.paused})
