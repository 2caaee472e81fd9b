"""Real AWS sample events (tests/endpoint/aws_events/, kept verbatim) through the Lambda handler: none raises."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from entraide.endpoint import lambda_handler
from tests.harness.endpoint import quiet_settings

AWS_EVENTS = Path(__file__).parent / "aws_events"
SAMPLES = sorted(path.name for path in AWS_EVENTS.glob("*.json"))
NOT_HTTP = {"apiGatewayWebSocketApiMessage.json", "eventBridgeEvent.json"}
NOT_BASE64 = "apiGatewayProxyEventPathTrailingSlash.json"  # "isBase64Encoded": true, body "Hello from Lambda!"


@pytest.fixture
def lambda_env(tmp_path, monkeypatch, keys):
    for name, value in quiet_settings(tmp_path, keys).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(lambda_handler, "_app", None)
    return tmp_path


def sample(name: str) -> dict[str, Any]:
    return json.loads((AWS_EVENTS / name).read_text("utf-8"))


def french_message(response: dict[str, Any]) -> str:
    """The text a client reads in an error answer: the JSON message, or the French HTML page."""
    if response["headers"]["Content-Type"].startswith("application/json"):
        return json.loads(response["body"])["message"]
    assert '<html lang="fr">' in response["body"]
    return response["body"]


def test_the_samples_are_all_there_with_their_attribution():
    readme = (AWS_EVENTS / "README.md").read_text("utf-8")
    assert len(SAMPLES) >= 13
    for name in SAMPLES:
        assert f"`{name}` | `tests/events/{name}`" in readme, f"{name} has no source row in the README"
    assert "MIT No Attribution (MIT-0)" in readme


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_event_gets_a_proxy_answer_never_an_exception(name, lambda_env):
    response = lambda_handler.handler(sample(name), None)
    assert 200 <= response["statusCode"] < 500
    assert isinstance(response["body"], str) and response["isBase64Encoded"] is False
    assert response["headers"]["X-Content-Type-Options"] == "nosniff"
    if response["statusCode"] >= 400:
        assert french_message(response)
    assert not (lambda_env / "pending").exists(), "no sample is a submission"


def test_a_body_flagged_base64_that_is_not_gets_a_400_in_french(lambda_env, caplog):
    caplog.set_level(logging.WARNING, logger="entraide")  # an app built earlier in the run set its own level
    response = lambda_handler.handler(sample(NOT_BASE64), None)
    assert response["statusCode"] == 400
    assert french_message(response) == (
        "Le contenu reçu est annoncé en base64 mais n'en est pas : renvoyez le formulaire depuis le site."
    )
    assert "isBase64Encoded is true but the body is not base64" in caplog.text
    assert "Hello from Lambda" not in caplog.text, "a body never goes to the log"


@pytest.mark.parametrize("name", sorted(NOT_HTTP))
def test_an_event_that_is_no_http_request_gets_a_400_in_french(name, lambda_env):
    response = lambda_handler.handler(sample(name), None)
    assert response["statusCode"] == 400
    assert french_message(response).startswith("Ce service ne répond qu'aux requêtes HTTP")


@pytest.mark.parametrize("name", sorted(set(SAMPLES) - NOT_HTTP - {NOT_BASE64}))
def test_every_http_sample_is_read_right_when_it_asks_for_health(name, lambda_env):
    event = sample(name)
    event["rawPath" if event.get("version") == "2.0" else "path"] = "/health"
    response = lambda_handler.handler(event, None)
    method = event["requestContext"]["http"]["method"] if event.get("version") == "2.0" else event["httpMethod"]
    if method == "GET":
        assert response["statusCode"] == 200 and json.loads(response["body"])["status"] == "ok"
    else:
        assert response["statusCode"] == 405, "POST on /health: the method was read from the event"
