"""The WSGI application: routing, the guards every POST passes (Origin, rate limits, body size), CORS, logs.

`create_app(config)` builds it once; `app_from_environ()` is what a server process runs (settings from the
environment, logs on stderr). The routes (routes.py) hold what each URL does. One log line per request:
method, path, status, duration, entry id — never a form body nor a contact.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from entraide.backends import Backend, make_backend
from entraide.endpoint.http import (
    Forbidden,
    HTTPError,
    MethodNotAllowed,
    NotFound,
    Request,
    Response,
    ServiceUnavailable,
    TooManyRequests,
    read_body,
)
from entraide.endpoint.ratelimit import RateLimits
from entraide.endpoint.routes import ROUTES, STORE_UNAVAILABLE
from entraide.intake import Intake
from entraide.keys import development_warning, load_keys, token_secret
from entraide.store import Store, StoreUnavailable, check_schema, open_store

BUSY_RETRY_SECONDS = 1.0  # another instance holds the publisher's lease: ask again, then less and less often
BUSY_RETRY_MAX_SECONDS = 30.0

if TYPE_CHECKING:
    from entraide.config import Config
    from entraide.endpoint.pages import Pages

log = logging.getLogger("entraide.endpoint")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",  # pages show a withdraw key or the resident's own contact: never cache them
}


class App:
    """The endpoint: a WSGI callable holding its settings, keys, store, intake and backend (no globals)."""

    def __init__(
        self,
        config: Config,
        backend: Backend | None = None,
        clock: Callable[[], float] = time.time,
        store: Store | None = None,
    ) -> None:
        from entraide.geocoding import make_geocoder

        self.config = config
        self.keys = load_keys(config)
        if warning := development_warning(config):
            log.warning(warning)
        self.secret = token_secret(config, self.keys)
        self.store = store or open_store(config.database_url)
        self.backend = backend or make_backend(config, self.store)
        self.clock = clock
        self.timezone = config.zone()
        self.intake = Intake(
            config,
            self.keys,
            self.store,
            secret=self.secret,
            geocode=make_geocoder(config),
            timezone=self.timezone,
            clock=clock,
            send_mail=self.send_mail,
        )
        self.limits = RateLimits(self.store, self.secret, config.rate_limit_per_ip, config.rate_limit_global)
        self.security_headers = {**SECURITY_HEADERS, "Content-Security-Policy": content_security_policy(config)}
        self._pages: Pages | None = None
        self._publishing = threading.Lock()
        self._wake = threading.Event()
        self._publisher: threading.Thread | None = None
        self._publishing_started = threading.Lock()

    @property
    def pages(self) -> Pages:
        """The HTML pages, loaded on first use: JSON clients never pay for Jinja2."""
        if self._pages is None:
            from entraide.endpoint.pages import Pages

            self._pages = Pages(self.config.site_url)
        return self._pages

    def publish_soon(self) -> None:
        """Hand queued entries to the moderators in the background: wake this process's publisher thread.

        One thread for the process's life, started on first use: the store keeps a connection per thread, so a
        thread per run would open a database connection per submission (a new server process, TLS and password
        handshakes on a managed PostgreSQL). A wake-up during a run makes one more run: nothing waits for the
        next resident.
        """
        if not self.config.publish_after_submit:
            return
        self._wake.set()
        with self._publishing_started:
            if self._publisher is None or not self._publisher.is_alive():  # not yet, or lost across a fork
                self._publisher = threading.Thread(target=self._publish_when_woken, name="entraide-publisher")
                self._publisher.daemon = True
                self._publisher.start()

    @property
    def publishing(self) -> bool:
        """Whether this process is handing queued entries over, or about to."""
        return self._wake.is_set() or self._publishing.locked()

    def _publish_when_woken(self) -> None:
        retry = BUSY_RETRY_SECONDS
        while True:
            self._wake.wait()
            with self._publishing:
                self._wake.clear()
                busy = self._publish()
            if busy:  # another instance publishes: its run may have ended its claims before our entry was queued
                time.sleep(retry)
                retry = min(retry * 2, BUSY_RETRY_MAX_SECONDS)
                self._wake.set()
            else:
                retry = BUSY_RETRY_SECONDS

    def _publish(self) -> bool:
        """One publisher run; True when another instance held the publisher's lease and nothing was done."""
        from entraide.publisher import publish

        try:
            return publish(self.store, self.backend, clock=self.clock).busy
        except Exception:  # the queue keeps every entry: the next submission or `entraide publish` goes on
            log.exception("publishing the queue failed")
            return False

    def send_mail(self, to: str, subject: str, body: str, reply_to: str | None = None) -> str:
        from entraide.mail import send_mail

        return send_mail(self.config, to, subject, body, reply_to=reply_to)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        request = self._request(environ)
        try:
            response = self.handle(request)
        except HTTPError as error:
            response = self._error(request, error)
        except StoreUnavailable as error:
            log.warning("the store is unavailable: %s", type(error.__cause__ or error).__name__)
            retry = ServiceUnavailable(STORE_UNAVAILABLE, headers={"Retry-After": str(error.retry_after)})
            response = self._error(request, retry)
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            response = self._error(
                request,
                HTTPError(
                    "Une erreur inattendue s'est produite : réessayez dans un "
                    "moment. Si elle se répète, prévenez les modérateurs."
                ),
            )
        response.headers.update(self._cors(request))
        response.headers.update(self.security_headers)
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info(
            "%s %s %d %.1fms entry=%s",
            request.method[:10],
            request.path if request.path.rstrip("/") in ROUTES else "(unknown path)",  # a path is whatever was typed
            response.status,
            elapsed_ms,
            request.entry_id or "-",
        )
        start_response(response.status_line, [*response.headers.items(), ("Content-Length", str(len(response.body)))])
        return [response.body]

    def handle(self, request: Request) -> Response:
        methods = ROUTES.get(request.path.rstrip("/") or "/")
        if methods is None:
            raise NotFound("Cette adresse n'existe pas sur le service des formulaires.")
        if request.method == "OPTIONS":
            return self._preflight(request, methods)
        handler = methods.get("GET" if request.method == "HEAD" else request.method)
        if handler is None:
            raise MethodNotAllowed("Méthode non permise ici.", headers={"Allow": ", ".join([*methods, "OPTIONS"])})
        if request.method == "POST":
            self._guard(request)
        return handler(self, request)

    def _guard(self, request: Request) -> None:
        """Before any work: the request comes from the site, the client is not flooding, the body is small."""
        origin = request.headers.get("origin")
        if origin is not None and not self._trusted_origin(origin, request):
            raise Forbidden("Ce formulaire doit être envoyé depuis le site Entraide.")
        wait = self.limits.wait(request.client_ip, self.clock())
        if wait:
            raise TooManyRequests(
                f"Trop d'envois en peu de temps : patientez {wait} secondes puis réessayez. "
                "Ce que vous avez tapé n'a pas été enregistré.",
                headers={"Retry-After": str(wait)},
            )
        request.body = read_body(request.environ)

    def _trusted_origin(self, origin: str, request: Request) -> bool:
        """The site, or the endpoint's own pages: the preview's confirm button posts from here."""
        if origin.rstrip("/") == self.config.site_url:
            return True
        host = request.headers.get("host", "")
        return bool(host) and origin.partition("://")[2].rstrip("/") == host

    def _preflight(self, request: Request, methods: dict[str, Any]) -> Response:
        if request.headers.get("origin", "").rstrip("/") != self.config.site_url:
            raise Forbidden("Origine non autorisée.")
        return Response(
            204,
            headers={
                "Access-Control-Allow-Methods": ", ".join([*methods, "OPTIONS"]),
                "Access-Control-Allow-Headers": "Content-Type, Accept",
                "Access-Control-Max-Age": "86400",
            },
        )

    def _cors(self, request: Request) -> dict[str, str]:
        if request.headers.get("origin", "").rstrip("/") == self.config.site_url:
            return {"Access-Control-Allow-Origin": self.config.site_url, "Vary": "Origin"}
        return {"Vary": "Origin"}

    def _request(self, environ: dict[str, Any]) -> Request:
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if "CONTENT_TYPE" in environ:
            headers["content-type"] = environ["CONTENT_TYPE"]
        return Request(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=environ.get("PATH_INFO", "/"),
            headers=headers,
            client_ip=self._client_ip(environ, headers),
            environ=environ,
        )

    def _client_ip(self, environ: dict[str, Any], headers: dict[str, str]) -> str:
        """The connection's address, or, when it is the trusted proxy's, the hop that proxy added last.

        Under `serve` waitress has already done this (its trusted_proxy setting), and REMOTE_ADDR is the client.
        """
        remote = environ.get("REMOTE_ADDR", "")
        forwarded = headers.get("x-forwarded-for", "")
        if forwarded and self.config.trusted_proxy and remote == self.config.trusted_proxy:
            return forwarded.split(",")[-1].strip()
        return remote

    def _error(self, request: Request, error: HTTPError) -> Response:
        headers = dict(error.headers)
        if request.wants_json or request.method != "POST":
            body: dict[str, Any] = {"message": error.message}
            if error.problems:
                body["errors"] = error.problems
            return Response.json(body, status=error.status, headers=headers)
        template, fields = request.environ.get("entraide.form", ("message.html", {}))
        page = self.pages.render(
            template,
            title="Envoi impossible",
            text=error.message,
            fields=fields,
            errors=error.problems,
            notice=error.message,
        )
        return Response.html(page, status=error.status, headers=headers)


def content_security_policy(config: Config) -> str:
    """No script at all; styles from the site only; forms post back to the endpoint."""
    return (
        f"default-src 'none'; style-src {config.site_url}; img-src {config.site_url}; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def create_app(
    config: Config, backend: Backend | None = None, clock: Callable[[], float] = time.time, store: Store | None = None
) -> App:
    """The endpoint for these settings; `backend`, `clock` and `store` can be given by tests and tools.

    A store whose schema is older than the code stops it here (SchemaOutdated says to run `entraide db
    upgrade`); a store that cannot be reached now does not: requests answer 503 until it comes back.
    """
    logging.getLogger("entraide").setLevel(config.log_level.upper())
    app = App(config, backend, clock, store)
    try:
        check_schema(app.store)
    except StoreUnavailable:
        log.warning("the store cannot be reached yet: requests will answer 503 until it can")
    return app


def app_from_environ() -> App:
    """The endpoint as a server process runs it: settings read from the environment, logs on stderr.

    A zero-argument factory for WSGI servers; `entraide.endpoint.wsgi:application` is its result.
    A server that set up logging already (its own handlers on the root logger) keeps its set-up.
    """
    from entraide.config import Config

    logging.basicConfig(format=LOG_FORMAT, level=logging.INFO)
    return create_app(Config.from_environ(os.environ))
