"""One endpoint process of bench_intake: the endpoint under waitress, on the benchmark's shared virtual clock.

    python -m bench.intake_endpoint CLOCK_FILE PORT DESIGN

Settings come from the environment, as for `python -m entraide.endpoint.serve` (same waitress limits and
threads). What differs: the app, its store's times and the github backend's throttle run on the shared
clock, and each answer carries `X-Bench-Forge-Wait: <virtual s> <real s>`, the time the request itself
slept waiting for GitHub's limits.

DESIGN is `queue` (today's code: /submit answers once the entry is queued, a publisher hands it over) or
`inline`, the design before the queue (commit af7740e and earlier): the entry goes to GitHub inside the
request, `backend.submit` called inline as routes._hand_over did; a forge that cannot take it is a 503 with
Retry-After for the resident, nothing kept; each process counts GitHub's limits alone (no shared record),
keeps its rate limits to itself (the driver gives each its own SQLite file) and lets labels go when GitHub's
limits hold them back.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import waitress

from bench.shared_clock import SharedClock
from entraide.backends import ForgeUnavailable
from entraide.backends.github import GitHubBackend
from entraide.config import Config
from entraide.endpoint.app import create_app
from entraide.endpoint.http import ServiceUnavailable
from entraide.endpoint.serve import WAITRESS_LIMITS
from entraide.intake import Intake, QueuedEntry
from entraide.store import open_store

THREADS = 8  # python -m entraide.endpoint.serve's default
DESIGNS = ("queue", "inline")


class InlineGitHubBackend(GitHubBackend):
    """Labels held back by GitHub's limits were let go: a resident was waiting (448feed changed it)."""

    def _add_labels(self, pull: dict[str, Any], labels: list[str], *, retried: bool = False) -> None:
        super()._add_labels(pull, labels, retried=False)


class InlineIntake(Intake):
    """The intake as it was before the queue: the entry is handed to the forge within the request."""

    def __init__(self, intake: Intake, backend: GitHubBackend) -> None:
        super().__init__(
            intake.config,
            intake.keys,
            intake.store,
            secret=intake.secret,
            geocode=intake.geocode,
            timezone=intake.timezone,
            clock=intake.clock,
            send_mail=intake.send_mail,
        )
        self.backend = backend

    def _queue(self, queued: QueuedEntry) -> bool:
        try:  # routes._ask_backend(app.backend.submit, …) before d717642
            self.backend.submit(queued.entry, list(queued.flags), queued.idempotency_key)
            return True  # a repeat only changes the answer's wording; doubles are counted on the forge's side
        except ForgeUnavailable as busy:
            raise ServiceUnavailable(busy.message_fr, headers={"Retry-After": str(busy.retry_after_seconds)}) from busy


def measured(app: Callable[..., Iterable[bytes]], clock: SharedClock) -> Callable[..., Iterable[bytes]]:
    """The app, each answer saying how long its request slept for the forge (virtual and real seconds)."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        clock.reset_sleeps()

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            waited = f"{clock.slept_virtual():.3f} {clock.slept_real():.4f}"
            return start_response(status, [*headers, ("X-Bench-Forge-Wait", waited)], exc_info)

        return app(environ, start)

    return application


def build(config: Config, clock: SharedClock, design: str) -> Callable[..., Iterable[bytes]]:
    store = open_store(config.database_url)
    backend = (GitHubBackend if design == "queue" else InlineGitHubBackend)(
        config.github_repository,
        config.github_token,
        api_url=config.github_api_url,
        site_url=config.site_url,
        timeout_seconds=config.github_timeout_seconds,
        clock=clock,
        wall=clock,
        shared=store.forge_writes if design == "queue" else None,
    )
    app = create_app(config, backend, clock, store)
    if design == "inline":
        app.intake = InlineIntake(app.intake, backend)
    return measured(app, clock)


def main(argv: list[str]) -> None:
    clock_file, port, design = Path(argv[0]), int(argv[1]), argv[2]
    if design not in DESIGNS:
        raise SystemExit(f"DESIGN must be one of {', '.join(DESIGNS)}")
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.ERROR)
    application = build(Config.from_environ(os.environ), SharedClock(clock_file), design)
    waitress.serve(
        application,
        host="127.0.0.1",
        port=port,
        threads=THREADS,
        ident="entraide-bench",
        clear_untrusted_proxy_headers=False,  # the residents' addresses come in X-Forwarded-For
        **WAITRESS_LIMITS,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
