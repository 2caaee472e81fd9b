"""AWS Lambda adapter: API Gateway (REST v1, HTTP v2), function URL and ALB events → the WSGI app → a proxy response.

Handler path: `entraide.endpoint.lambda_handler.handler`; `publish_handler` is the scheduled function (an
EventBridge schedule, every minute) that hands queued entries to the moderators, since a Lambda stops with its
answer and cannot publish in the background (set ENTRAIDE_PUBLISH_AFTER_SUBMIT=false on the HTTP function).
Importing this module loads only the standard library; the app is built on the first event, so a cold start pays
only for what a request needs. An event the adapter cannot read as an HTTP request (a body flagged base64 that is
not, an EventBridge or WebSocket event sent here by mistake) gets a 400 with a French message, never an exception.
"""

from __future__ import annotations

import base64
import binascii
import io
import sys
from typing import Any
from urllib.parse import urlencode

_app: Any = None


class UnreadableEvent(ValueError):
    """Not an HTTP request the endpoint can answer: `reason` for the logs, `message` (French) for the client."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason, self.message = reason, message


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    try:
        environ = to_environ(event)
    except UnreadableEvent as error:
        return refusal(event, error)
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, headers

    body = b"".join(_application()(environ, start_response))
    return to_response(event, int(captured["status"].split()[0]), captured["headers"], body)


def publish_handler(event: Any = None, context: Any = None) -> dict[str, Any]:
    """Publish the queue until it is empty, the forge asks to wait, or 10 s before the invocation's time ends."""
    import time

    from entraide.publisher import publish

    app = _application()
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else 60.0
    run = publish(app.store, app.backend, deadline=time.time() + max(1.0, remaining - 10.0), sleep=time.sleep)
    return {"published": run.published, "failed": run.failed, "busy": run.busy, "paused_seconds": run.paused}


def alerts_handler(event: Any = None, context: Any = None) -> dict[str, Any]:
    """`entraide alerts send` on a schedule (EventBridge, every 10 minutes): see docs/alerts.md."""
    from entraide.alerts.sender import send_alerts

    app = _application()
    run = send_alerts(app.config, app.store, app.keys, app.secret, clock=app.clock)
    return {"mails_sent": run.mails_sent, "waiting": run.subscribers_waiting, "held_by": run.held_by}


def _application() -> Any:
    global _app  # one app per warm container, built on the first event
    if _app is None:
        from entraide.endpoint.app import app_from_environ

        _app = app_from_environ()
    return _app


def refusal(event: Any, error: UnreadableEvent) -> dict[str, Any]:
    """A 400 shaped like the app's JSON errors, for an event that never reaches the app, and a warning in the log."""
    import logging  # here, not at import: a cold start pays only for what a request needs

    from entraide.endpoint.app import SECURITY_HEADERS
    from entraide.endpoint.http import Response

    keys = ", ".join(sorted(map(str, event))) if isinstance(event, dict) else type(event).__name__
    logging.getLogger("entraide.endpoint.lambda").warning("event refused: %s (top-level keys: %s)", error.reason, keys)
    response = Response.json({"message": error.message}, status=400, headers=SECURITY_HEADERS)
    return to_response(event, response.status, list(response.headers.items()), response.body)


def to_environ(event: dict[str, Any]) -> dict[str, Any]:
    """The WSGI environ of an API Gateway v1 or v2, function URL or ALB event; UnreadableEvent otherwise."""
    if not isinstance(event, dict):
        raise _not_http()
    method, path, query, source_ip = _request_line(event)
    body = _body(event)
    headers = {key.lower(): _joined(values) for key, values in _headers(event, "multiValueHeaders")}
    headers.update({key.lower(): str(value) for key, value in _headers(event, "headers")})
    environ = {
        "REQUEST_METHOD": method.upper(),
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": source_ip,
        "SERVER_NAME": headers.get("host", "lambda"),
        "SERVER_PORT": headers.get("x-forwarded-port", "443"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SCRIPT_NAME": "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": headers.get("x-forwarded-proto", "https"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if "content-type" in headers:
        environ["CONTENT_TYPE"] = headers.pop("content-type")
    headers.pop("content-length", None)
    environ.update({"HTTP_" + key.upper().replace("-", "_"): value for key, value in headers.items()})
    return environ


def _not_http() -> UnreadableEvent:
    return UnreadableEvent(
        "not an HTTP request (API Gateway v1 or v2, function URL, ALB)",
        "Ce service ne répond qu'aux requêtes HTTP (API Gateway, URL de fonction, équilibreur ALB) : "
        "cet événement n'en est pas une.",
    )


def _not_base64() -> UnreadableEvent:
    return UnreadableEvent(
        "isBase64Encoded is true but the body is not base64",
        "Le contenu reçu est annoncé en base64 mais n'en est pas : renvoyez le formulaire depuis le site.",
    )


def _request_line(event: dict[str, Any]) -> tuple[str, str, str, str]:
    """Method, path (a v2 event's named stage stripped), query string and client address."""
    context = _mapping(event.get("requestContext"))
    if event.get("version") == "2.0":
        http = _mapping(context.get("http"))
        method, path = http.get("method"), event.get("rawPath") or "/"
        query, source_ip = event.get("rawQueryString") or "", http.get("sourceIp", "")
        if isinstance(path, str):
            path = _strip_stage(path, context.get("stage"))
    else:
        method, path = event.get("httpMethod"), event.get("path") or "/"
        query = urlencode(_mapping(event.get("multiValueQueryStringParameters")), doseq=True) or urlencode(
            _mapping(event.get("queryStringParameters"))
        )
        source_ip = _mapping(context.get("identity")).get("sourceIp", "")
    if not all(isinstance(part, str) for part in (method, path, query)):
        raise _not_http()
    return method, path, query, str(source_ip)


def _mapping(value: Any) -> dict[str, Any]:
    """A part of the event that should be an object: {} when absent or null (as AWS sends it)."""
    return value if isinstance(value, dict) else {}


def _headers(event: dict[str, Any], key: str) -> list[tuple[str, Any]]:
    return [(name, value) for name, value in _mapping(event.get(key)).items() if value is not None]


def _joined(values: Any) -> str:
    return ", ".join(map(str, values)) if isinstance(values, list) else str(values)


def _strip_stage(path: str, stage: str | None) -> str:
    if stage and stage != "$default" and path.startswith(f"/{stage}/"):
        return path[len(stage) + 1 :]
    return path or "/"


def _body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise _not_http()
    if not event.get("isBase64Encoded"):
        return body.encode("utf-8", "surrogateescape")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as error:  # ValueError: characters outside ASCII
        raise _not_base64() from error


def to_response(event: dict[str, Any], status: int, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    response: dict[str, Any] = {"statusCode": status, "headers": dict(headers)}
    try:
        response["body"], response["isBase64Encoded"] = body.decode("utf-8"), False
    except UnicodeDecodeError:
        response["body"], response["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return response
