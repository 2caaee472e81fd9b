"""GitHub's REST contract (tests/forge/github-rest-subset.openapi.json) as the fake forge uses it.

It routes a request to the contract's operation, validates requests and responses with openapi-core, and
builds the smallest response object the contract accepts, on which the fake lays the fields it really
keeps (numbers, branches, files...): every answer the backend reads has the shape GitHub documents.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

CONTRACT_PATH = Path(__file__).with_name("github-rest-subset.openapi.json")
GITHUB = "https://api.github.com"  # the contract's server: the fake stands in for it
SLASHED = {"ref", "path"}  # GitHub takes `heads/main` and `dir/file.yaml` unescaped in these
SAMPLE_TIME = "2026-03-20T09:30:00Z"


@dataclass
class Exchange:
    """One request and the response the fake sent, as openapi-core wants them."""

    method: str
    path: str
    template: str
    params: dict[str, str]
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0
    response: bytes = b""
    response_headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def mock_request(self) -> MockRequest:
        return MockRequest(
            GITHUB,
            self.method.lower(),
            self.path,
            path_pattern=self.template,
            view_args=self.params,
            args=self.query,
            headers=self.headers,
            data=self.body,
            content_type=self.headers.get("Content-Type", "application/json"),
        )


class Contract:
    def __init__(self, path: Path = CONTRACT_PATH) -> None:
        self.document = json.loads(path.read_text("utf-8"))
        self.openapi = OpenAPI.from_file_path(str(path))
        self.routes = [(template, _route_pattern(template)) for template in self.document["paths"]]

    def route(self, path: str) -> tuple[str, dict[str, str]] | None:
        for template, pattern in self.routes:
            if match := pattern.fullmatch(path):
                return template, match.groupdict()
        return None

    def operation(self, method: str, template: str) -> dict[str, Any] | None:
        return self.document["paths"].get(template, {}).get(method.lower())

    def request_problems(self, exchange: Exchange) -> list[str]:
        try:
            self.openapi.validate_request(exchange.mock_request())
        except Exception as error:  # openapi-core raises one class per kind of problem
            return [f"{exchange.method} {exchange.path}: request breaks the contract: {_explain(error)}"]
        return self._ignored_fields(exchange)

    def _ignored_fields(self, exchange: Exchange) -> list[str]:
        """Fields the operation does not define: GitHub ignores them silently (labels sent to POST /pulls...)."""
        body = exchange.json()
        operation = self.operation(exchange.method, exchange.template) or {}
        schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if not isinstance(body, dict) or "properties" not in schema:
            return []
        return [
            f"{exchange.method} {exchange.template}: field `{key}` is not in the contract; GitHub ignores it"
            for key in body
            if key not in schema["properties"]
        ]

    def response_problems(self, exchange: Exchange) -> list[str]:
        operation = self.operation(exchange.method, exchange.template) or {}
        if str(exchange.status) not in operation.get("responses", {}):
            return self._undocumented_problems(exchange)
        response = MockResponse(
            exchange.response,
            exchange.status,
            headers=exchange.response_headers,
            content_type=exchange.response_headers.get("Content-Type", "application/json"),
        )
        try:
            self.openapi.validate_response(exchange.mock_request(), response)
        except Exception as error:
            return [
                f"{exchange.method} {exchange.path} -> {exchange.status}: response breaks the contract: "
                f"{_explain(error)}"
            ]
        return []

    def _undocumented_problems(self, exchange: Exchange) -> list[str]:
        """Statuses the contract leaves out of an operation but GitHub sends anywhere (rate limits, outages,
        bad credentials: documented apart, in the contracts' README) must still be GitHub's basic error."""
        if exchange.status not in (401, 403, 429, 500, 502, 503):
            return [f"{exchange.method} {exchange.path}: status {exchange.status} is not in the contract"]
        data = json.loads(exchange.response or b"null")
        if not (
            isinstance(data, dict)
            and isinstance(data.get("message"), str)
            and isinstance(data.get("documentation_url"), str)
        ):
            return [f"{exchange.method} {exchange.path} -> {exchange.status}: not GitHub's basic error shape"]
        return []

    def skeleton(self, method: str, template: str, status: int) -> Any:
        """The smallest value the contract accepts for this answer (required fields only), a fresh copy."""
        return copy.deepcopy(self._skeleton(method, template, status))

    def item_skeleton(self, method: str, template: str, status: int) -> Any:
        """The smallest item of an answer that is a list (pull requests' files, reviews, comments), a fresh copy."""
        return copy.deepcopy(_minimal(self._schema(method, template, status)["items"]))

    @functools.cache
    def _skeleton(self, method: str, template: str, status: int) -> Any:
        return _minimal(self._schema(method, template, status))

    def _schema(self, method: str, template: str, status: int) -> dict[str, Any]:
        responses = self.operation(method, template)["responses"]
        content = responses[str(status)].get("content", {})
        return (content.get("application/json") or next(iter(content.values())))["schema"]


@functools.cache
def load_contract() -> Contract:
    return Contract()


def _route_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    regex = "".join(
        (f"(?P<{part[1:-1]}>.+)" if part[1:-1] in SLASHED else f"(?P<{part[1:-1]}>[^/]+)")
        if part.startswith("{")
        else re.escape(part)
        for part in parts
    )
    return re.compile(regex)


def _minimal(schema: dict[str, Any]) -> Any:
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_minimal(part) or {})
        return merged
    if "oneOf" in schema or "anyOf" in schema:
        return _minimal((schema.get("oneOf") or schema["anyOf"])[0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: _minimal(properties.get(key, {})) for key in schema.get("required", [])}
    if kind == "array":
        return [_minimal(schema["items"])] * schema.get("minItems", 0)
    if schema.get("nullable"):
        return None
    return _scalar(kind, schema)


def _scalar(kind: str, schema: dict[str, Any]) -> Any:
    example = schema.get("example")
    if kind == "string":
        formats = {
            "date-time": SAMPLE_TIME,
            "uri": f"{GITHUB}/placeholder",
            "email": "octocat@example.org",
            "uri-template": f"{GITHUB}/placeholder{{/id}}",
            "date": "2026-03-20",
        }
        if schema.get("format") in formats:
            return formats[schema["format"]]
        return example if isinstance(example, str) else "placeholder"
    if kind == "integer":
        return example if isinstance(example, int) and not isinstance(example, bool) else 1
    if kind == "number":
        return example if isinstance(example, (int, float)) and not isinstance(example, bool) else 1.0
    if kind == "boolean":
        return False
    return None


def _explain(error: BaseException) -> str:
    """The schema errors with where they are first (the offending value can be long), then the message."""
    found, messages = [], []
    current: BaseException | None = error
    while current is not None:
        for nested in getattr(current, "schema_errors", ()) or ():
            found.append(f"{nested.message[:300]} at {'/'.join(map(str, nested.path))}")
        messages.append(str(current)[:300])
        current = current.__cause__
    return "; ".join(dict.fromkeys(found + messages))
