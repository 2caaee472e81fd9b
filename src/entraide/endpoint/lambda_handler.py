"""AWS Lambda adapter: API Gateway (REST v1, HTTP v2) and function URL events → the WSGI app → a proxy response.

Handler path: `entraide.endpoint.lambda_handler.handler`. Importing this module loads only the standard
library; the app is built on the first event, so a cold start pays only for what a request needs.
"""

from __future__ import annotations

import base64
import io
import sys
from typing import Any
from urllib.parse import urlencode

_app: Any = None


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    environ = to_environ(event)
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, headers

    body = b"".join(_application()(environ, start_response))
    return to_response(event, int(captured["status"].split()[0]), captured["headers"], body)


def _application() -> Any:
    global _app  # one app per warm container, built on the first event
    if _app is None:
        from entraide.endpoint.app import app_from_environ

        _app = app_from_environ()
    return _app


def to_environ(event: dict[str, Any]) -> dict[str, Any]:
    """The WSGI environ of an API Gateway v1, v2 or function URL event."""
    v2 = event.get("version") == "2.0"
    context = event.get("requestContext") or {}
    if v2:
        method, path = context["http"]["method"], _strip_stage(event.get("rawPath", "/"), context.get("stage"))
        query, source_ip = event.get("rawQueryString", ""), context["http"].get("sourceIp", "")
    else:
        method, path = event["httpMethod"], event.get("path") or "/"
        query = urlencode(event.get("multiValueQueryStringParameters") or {}, doseq=True) or urlencode(
            event.get("queryStringParameters") or {}
        )
        source_ip = (context.get("identity") or {}).get("sourceIp", "")
    body = _body(event)
    headers = {key.lower(): ", ".join(values) for key, values in (event.get("multiValueHeaders") or {}).items()}
    headers.update({key.lower(): value for key, value in (event.get("headers") or {}).items()})
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


def _strip_stage(path: str, stage: str | None) -> str:
    if stage and stage != "$default" and path.startswith(f"/{stage}/"):
        return path[len(stage) + 1 :]
    return path or "/"


def _body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8", "surrogateescape")


def to_response(event: dict[str, Any], status: int, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    response: dict[str, Any] = {"statusCode": status, "headers": dict(headers)}
    try:
        response["body"], response["isBase64Encoded"] = body.decode("utf-8"), False
    except UnicodeDecodeError:
        response["body"], response["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return response
