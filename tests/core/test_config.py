"""Settings: one table, read once, every setting documented (Datasette's test_settings_are_documented)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from entraide.config import SETTINGS, Config, ConfigError, settings_markdown

DOCS = Path(__file__).parents[2] / "docs" / "endpoint.md"
README = Path(__file__).parents[2] / "README.md"
ISSUE_SETTINGS = [
    "ENTRAIDE_SITE_URL",
    "ENTRAIDE_BACKEND",
    "ENTRAIDE_PENDING_PATH",
    "ENTRAIDE_SUBMISSIONS_PATH",
    "ENTRAIDE_PRIVATE_KEY",
    "ENTRAIDE_MODERATORS_EMAIL",
    "ENTRAIDE_SMTP_HOST",
    "ENTRAIDE_SMTP_PORT",
    "ENTRAIDE_SMTP_USER",
    "ENTRAIDE_SMTP_PASSWORD",
    "ENTRAIDE_MAIL_FROM",
    "ENTRAIDE_OUTBOX_PATH",
    "ENTRAIDE_MIN_FILL_SECONDS",
    "ENTRAIDE_RATE_LIMIT_PER_IP",
    "ENTRAIDE_RATE_LIMIT_GLOBAL",
    "ENTRAIDE_GEOCODER_URL",
    "ENTRAIDE_EXPIRY_DAYS",
    "GITHUB_REPOSITORY",
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
    "ENTRAIDE_BASE_BRANCH",
]


@pytest.mark.parametrize("document", [DOCS, README], ids=["docs/endpoint.md", "README.md"])
def test_every_setting_is_documented_with_its_default(document):
    docs = document.read_text("utf-8")
    for setting in SETTINGS:
        assert f"| `{setting.variable}` |" in docs, f"{setting.variable} is missing from {document.name}"
    assert settings_markdown() in docs, "regenerate the table: python -m entraide.config"


def test_every_setting_of_the_issue_exists_and_every_field_has_a_setting():
    variables = {s.variable for s in SETTINGS}
    assert set(ISSUE_SETTINGS) <= variables
    assert {s.field for s in SETTINGS} == {f.name for f in fields(Config)}
    assert all(s.variable.startswith(("ENTRAIDE_", "GITHUB_")) for s in SETTINGS)


def test_defaults_need_no_configuration():
    config = Config.from_environ({})
    assert config.backend == "local" and config.pending_path == "pending"
    assert config.expiry_days == 30 and config.geocoder_url == "https://api-adresse.data.gouv.fr/search/"


def test_a_bad_value_names_the_variable():
    with pytest.raises(ConfigError, match="ENTRAIDE_BACKEND='gitlab'"):
        Config.from_environ({"ENTRAIDE_BACKEND": "gitlab"})
    with pytest.raises(ConfigError, match="ENTRAIDE_MIN_FILL_SECONDS"):
        Config.from_environ({"ENTRAIDE_MIN_FILL_SECONDS": "-1"})
    with pytest.raises(ConfigError, match="ENTRAIDE_SMTP_TLS='off' is not valid: must be auto, implicit or starttls"):
        Config.from_environ({"ENTRAIDE_SMTP_TLS": "off"})


def test_secrets_never_show_in_the_repr():
    config = Config.from_environ({"ENTRAIDE_SMTP_PASSWORD": "hunter2", "GITHUB_TOKEN": "ghp_secret"})
    assert "hunter2" not in repr(config) and "ghp_secret" not in repr(config)


def test_the_backend_is_chosen_by_setting():
    from entraide.backends import make_backend
    from entraide.backends.github import GitHubBackend
    from entraide.backends.local import LocalBackend

    assert isinstance(make_backend(Config.from_environ({})), LocalBackend)
    github = Config.from_environ(
        {
            "ENTRAIDE_BACKEND": "github",
            "GITHUB_REPOSITORY": "metropole/entraide",
            "GITHUB_TOKEN": "t",
            "GITHUB_API_URL": "http://127.0.0.1:9",
        }
    )
    assert isinstance(make_backend(github), GitHubBackend)
