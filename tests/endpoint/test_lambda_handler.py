"""The Lambda adapter with real API Gateway (REST v1, HTTP v2) and function URL event shapes."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from urllib.parse import urlencode

import pytest

from entraide.endpoint import lambda_handler
from entraide.pipeline import load_entries
from tests.harness.endpoint import GOOD_FORM, SITE, quiet_settings


@pytest.fixture
def lambda_env(tmp_path, monkeypatch, keys):
    settings = quiet_settings(tmp_path, keys)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(lambda_handler, "_app", None)
    return tmp_path


def http_api_v2(method, path, body="", headers=None, base64_body=False, stage="$default"):
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc.execute-api.eu-west-3.amazonaws.com", "origin": SITE, **(headers or {})},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc",
            "stage": stage,
            "requestId": "id",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "test",
            },
        },
        "body": base64.b64encode(body.encode()).decode() if base64_body else body,
        "isBase64Encoded": base64_body,
    }


def rest_api_v1(method, path, body="", headers=None):
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Host": "abc.execute-api.eu-west-3.amazonaws.com", "Origin": SITE, **(headers or {})},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "stage": "prod",
            "identity": {"sourceIp": "203.0.113.10"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def test_an_http_api_event_queues_an_entry_and_the_scheduled_function_hands_it_over(lambda_env, monkeypatch):
    monkeypatch.setenv("ENTRAIDE_PUBLISH_AFTER_SUBMIT", "false")  # a Lambda stops with its answer
    event = http_api_v2("POST", "/submit", json.dumps(GOOD_FORM), {"content-type": "application/json"})
    response = lambda_handler.handler(event, None)
    assert response["statusCode"] == 201 and response["isBase64Encoded"] is False
    assert response["headers"]["Access-Control-Allow-Origin"] == SITE
    assert load_entries(lambda_env / "pending") == []  # queued, not yet with the moderators

    scheduled = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    assert lambda_handler.publish_handler(scheduled, None)["published"] == 1
    [entry] = load_entries(lambda_env / "pending")
    assert json.loads(response["body"])["id"] == entry.id


def test_a_function_url_event_with_a_base64_form_gets_the_french_preview(lambda_env):
    event = http_api_v2(
        "POST", "/submit", urlencode(GOOD_FORM), {"content-type": "application/x-www-form-urlencoded"}, base64_body=True
    )
    response = lambda_handler.handler(event, None)
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/html")
    assert "Vérifiez votre annonce" in response["body"]


def test_a_named_stage_is_stripped_from_the_path(lambda_env):
    response = lambda_handler.handler(http_api_v2("GET", "/prod/health", stage="prod"), None)
    assert response["statusCode"] == 200 and json.loads(response["body"])["status"] == "ok"


def test_a_rest_api_event_is_answered_and_errors_stay_in_french(lambda_env):
    health = lambda_handler.handler(rest_api_v1("GET", "/health"), None)
    assert health["statusCode"] == 200
    event = rest_api_v1("POST", "/submit", json.dumps({**GOOD_FORM, "title": ""}), {"Content-Type": "application/json"})
    refused = lambda_handler.handler(event, None)
    assert refused["statusCode"] == 400
    assert json.loads(refused["body"])["errors"]["title"] == "écrivez un titre court"
    assert not (lambda_env / "pending").exists()


def test_importing_the_handler_loads_no_heavy_module():
    code = (
        "import sys, entraide.endpoint.lambda_handler; "
        "print(sorted(m for m in ('requests', 'jinja2', 'yaml', 'nacl', 'waitress') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_the_alerts_sender_runs_on_a_schedule(lambda_env, tmp_path, monkeypatch):
    from entraide.alerts.manifest import manifest_json

    (tmp_path / "manifest.json").write_text(manifest_json([]))
    monkeypatch.setenv("ENTRAIDE_ALERTS_MANIFEST", str(tmp_path / "manifest.json"))
    monkeypatch.setenv("ENTRAIDE_ALERTS_QUIET_HOURS", "")  # whatever the hour the test runs at
    scheduled = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    assert lambda_handler.alerts_handler(scheduled, None) == {"mails_sent": 0, "waiting": 0, "held_by": ""}
