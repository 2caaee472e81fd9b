"""Just enough HTTP over WSGI: a request with its parsed body, a response, and errors mapped to status codes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

MAX_BODY_BYTES = 16 * 1024
MAX_FIELDS_NAMED = 3  # repeated fields named in an answer; the others are counted


class HTTPError(Exception):
    """An answer other than success; `message` is French, for the person who sent the request."""

    status = 500
    reason = "Internal Server Error"

    def __init__(
        self, message: str, *, problems: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problems = dict(problems or {})
        self.headers = dict(headers or {})


class BadRequest(HTTPError):
    status, reason = 400, "Bad Request"


class Forbidden(HTTPError):
    status, reason = 403, "Forbidden"


class NotFound(HTTPError):
    status, reason = 404, "Not Found"


class MethodNotAllowed(HTTPError):
    status, reason = 405, "Method Not Allowed"


class Conflict(HTTPError):
    status, reason = 409, "Conflict"


class PayloadTooLarge(HTTPError):
    status, reason = 413, "Payload Too Large"


class UnsupportedMediaType(HTTPError):
    status, reason = 415, "Unsupported Media Type"


class TooManyRequests(HTTPError):
    status, reason = 429, "Too Many Requests"


class ServiceUnavailable(HTTPError):
    status, reason = 503, "Service Unavailable"


REASONS = {200: "OK", 201: "Created", 204: "No Content", 500: "Internal Server Error"}


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        body = json.dumps(data, ensure_ascii=False).encode()
        return cls(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})

    @classmethod
    def html(cls, text: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        return cls(status, text.encode(), {"Content-Type": "text/html; charset=utf-8", **(headers or {})})

    @property
    def status_line(self) -> str:
        for error in HTTPError.__subclasses__():
            if error.status == self.status:
                return f"{self.status} {error.reason}"
        return f"{self.status} {REASONS.get(self.status, 'OK')}"


@dataclass
class Request:
    method: str
    path: str
    headers: Mapping[str, str]
    client_ip: str
    body: bytes = b""
    environ: Mapping[str, Any] = field(default_factory=dict, repr=False)
    entry_id: str = ""  # set by a route, for the request's log line

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def wants_json(self) -> bool:
        return self.media_type == "application/json" or "application/json" in self.headers.get("accept", "")

    def query(self) -> dict[str, str]:
        """The query string's fields (a link's parameters), each once."""
        return _urlencoded(self.environ.get("QUERY_STRING", ""))

    def form(self) -> dict[str, Any]:
        """The body as fields: urlencoded or JSON object, strict UTF-8, each field once."""
        text = _decode(self.body)
        if self.media_type == "application/json":
            return _json_object(text)
        if self.media_type in ("application/x-www-form-urlencoded", ""):
            return _urlencoded(text)
        raise UnsupportedMediaType("format d'envoi non pris en charge : envoyez un formulaire ou du JSON")


def read_body(environ: Mapping[str, Any]) -> bytes:
    """At most MAX_BODY_BYTES, refusing before reading when Content-Length announces more."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError as error:
        raise BadRequest("en-tête Content-Length illisible") from error
    if length > MAX_BODY_BYTES:
        raise PayloadTooLarge(_TOO_LARGE)
    stream = environ["wsgi.input"]
    body = stream.read(length) if length else stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(_TOO_LARGE)
    return body


_TOO_LARGE = f"envoi trop volumineux ({MAX_BODY_BYTES // 1024} Ko au plus) : raccourcissez vos textes"


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest("le texte envoyé n'est pas encodé en UTF-8 : renvoyez le formulaire depuis le site") from error


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as error:  # RecursionError: thousands of nested brackets
        raise BadRequest("JSON illisible : envoyez un objet JSON de champs") from error
    if not isinstance(data, dict):
        raise BadRequest("JSON inattendu : envoyez un objet dont les clés sont les champs du formulaire")
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("duplicate key")
    return data


def _urlencoded(text: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise BadRequest("le texte envoyé n'est pas encodé en UTF-8 : renvoyez le formulaire depuis le site") from error
    fields = dict(pairs)
    if len(fields) != len(pairs):
        repeated = sorted(key for key, count in Counter(key for key, _ in pairs).items() if count > 1)
        named = [key[:40] for key in repeated[:MAX_FIELDS_NAMED]]  # thousands once made a page of hundreds of KB
        more = f" (et {len(repeated) - len(named):,} autres)".replace(",", " ") if len(repeated) > len(named) else ""
        raise BadRequest(
            "champ envoyé plusieurs fois : " + ", ".join(named) + more,
            problems=dict.fromkeys(named, "envoyé plusieurs fois"),
        )
    return fields
