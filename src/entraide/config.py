"""The endpoint's settings: one frozen object read once from environment variables, then passed in.

`SETTINGS` is the one table of every variable (name, default, meaning); `Config.from_environ` reads it,
`python -m entraide.config` prints it as the Markdown table of the docs, and a test fails when a
setting is missing from the docs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any


class ConfigError(ValueError):
    """A setting has a value the endpoint cannot use; the message names the variable and what to write."""


@dataclass(frozen=True)
class Setting:
    variable: str
    field: str
    default: str
    description: str
    parse: Callable[[str], Any] = str


def _integer(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be zero or more")
    return value


def _flag(text: str) -> bool:
    if text.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if text.strip().lower() in ("", "0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _backend(text: str) -> str:
    if text not in ("local", "github"):
        raise ValueError("must be local or github")
    return text


SMTP_TLS_MODES = ("auto", "implicit", "starttls")


def _smtp_tls(text: str) -> str:
    if text not in SMTP_TLS_MODES:
        raise ValueError("must be auto, implicit or starttls")
    return text


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ENTRAIDE_SITE_URL",
        "site_url",
        "http://127.0.0.1:8000",
        "Public URL of the static site, without a trailing slash: the only origin allowed by CORS and the Origin "
        "check, and the base of the stylesheet and links of the endpoint's pages.",
        lambda text: text.rstrip("/"),
    ),
    Setting(
        "ENTRAIDE_BACKEND",
        "backend",
        "local",
        "Where pending entries go: `local` (files in ENTRAIDE_PENDING_PATH) or `github` (one pull request each).",
        _backend,
    ),
    Setting(
        "ENTRAIDE_PENDING_PATH",
        "pending_path",
        "pending",
        "Local backend: folder of pending entries, laid out like submissions/ (`<commune-slug>/<id>.yaml`).",
    ),
    Setting(
        "ENTRAIDE_SUBMISSIONS_PATH",
        "submissions_path",
        "submissions",
        "Folder of approved entries, searched by /contact, /withdraw and /report.",
    ),
    Setting(
        "ENTRAIDE_REPORTS_PATH",
        "reports_path",
        "reports",
        "Local backend: folder where reports and withdrawals are recorded as JSON lines (never a contact). "
        "Keep it out of git.",
    ),
    Setting(
        "ENTRAIDE_PRIVATE_KEY",
        "private_key",
        "",
        "Base64 private key that seals and opens contacts (a secret; create one with `entraide keygen`). "
        "When empty, a development key pair is created in ENTRAIDE_DEV_KEYS_PATH and a warning is logged.",
    ),
    Setting(
        "ENTRAIDE_DEV_KEYS_PATH",
        "dev_keys_path",
        ".dev-keys",
        "Folder of the development key pair used when ENTRAIDE_PRIVATE_KEY is empty. Keep it out of git.",
    ),
    Setting(
        "ENTRAIDE_TOKEN_SECRET",
        "token_secret",
        "",
        "Secret signing the form tokens (minimum fill time, preview confirmation) and keying entry ids and "
        "withdraw keys; never published. Empty: derived from the private key.",
    ),
    Setting(
        "ENTRAIDE_MIN_FILL_SECONDS",
        "min_fill_seconds",
        "5",
        "Minimum seconds between showing a form and sending it, proven by a signed token; 0 turns the check off.",
        _integer,
    ),
    Setting(
        "ENTRAIDE_FORM_TOKEN_MAX_AGE_SECONDS",
        "form_token_max_age_seconds",
        "86400",
        "How long a form token stays valid (a form left open longer must be reloaded).",
        _integer,
    ),
    Setting(
        "ENTRAIDE_RATE_LIMIT_PER_IP",
        "rate_limit_per_ip",
        "10",
        "POST requests allowed per client IP per minute (token bucket, burst of the same size); 0 turns it "
        "off. Buckets live in the process: behind several instances, each counts alone.",
        _integer,
    ),
    Setting(
        "ENTRAIDE_RATE_LIMIT_GLOBAL",
        "rate_limit_global",
        "300",
        "POST requests allowed per minute for all clients together, per process; 0 turns it off.",
        _integer,
    ),
    Setting(
        "ENTRAIDE_TRUST_FORWARDED_FOR",
        "trust_forwarded_for",
        "false",
        "Take the client IP from the last X-Forwarded-For hop (only behind a reverse proxy that sets it).",
        _flag,
    ),
    Setting("ENTRAIDE_EXPIRY_DAYS", "expiry_days", "30", "Days an entry stays online after it is submitted.", _integer),
    Setting(
        "ENTRAIDE_TIMEZONE",
        "timezone",
        "Europe/Paris",
        "Time zone of the territory: entries' `created` time and expiry date are reckoned in it.",
    ),
    Setting(
        "ENTRAIDE_GEOCODER_URL",
        "geocoder_url",
        "https://api-adresse.data.gouv.fr/search/",
        "Address search of the Base Adresse Nationale (or a compatible service). Empty: addresses are not "
        "geocoded and entries have no location.",
    ),
    Setting(
        "ENTRAIDE_GEOCODER_TIMEOUT_SECONDS",
        "geocoder_timeout_seconds",
        "2",
        "Timeout of one geocoder call; when it expires the entry is accepted without a location.",
        float,
    ),
    Setting(
        "ENTRAIDE_MODERATORS_EMAIL",
        "moderators_email",
        "moderation@entraide.invalid",
        "Address of the moderators: reports, and messages for authors who left only a phone number.",
    ),
    Setting("ENTRAIDE_MAIL_FROM", "mail_from", "Entraide <ne-pas-repondre@entraide.invalid>", "Sender of every mail."),
    Setting(
        "ENTRAIDE_SMTP_HOST",
        "smtp_host",
        "",
        "SMTP server. Empty: mails are written as .eml files into ENTRAIDE_OUTBOX_PATH instead.",
    ),
    Setting("ENTRAIDE_SMTP_PORT", "smtp_port", "587", "SMTP port.", _integer),
    Setting(
        "ENTRAIDE_SMTP_TLS",
        "smtp_tls",
        "auto",
        "How mails reach the SMTP server encrypted: `auto` (TLS from the first byte on port 465, else STARTTLS "
        "when the server offers it), `implicit` (TLS from the first byte on any port) or `starttls` (STARTTLS "
        "required). Whatever the mode, the login and password are only ever sent over verified TLS: a server "
        "that offers no STARTTLS then gets no mail (logged). Without a login, `auto` still sends in clear to a "
        "server that offers no STARTTLS, such as a relay on the same host.",
        _smtp_tls,
    ),
    Setting(
        "ENTRAIDE_SMTP_CA_FILE",
        "smtp_ca_file",
        "",
        "PEM file of the certificate authorities trusted for the SMTP server, instead of the system's (a private "
        "authority). Certificates and host names are always verified.",
    ),
    Setting("ENTRAIDE_SMTP_USER", "smtp_user", "", "SMTP login; empty for none."),
    Setting("ENTRAIDE_SMTP_PASSWORD", "smtp_password", "", "SMTP password (a secret), never sent without TLS."),
    Setting("ENTRAIDE_SMTP_TIMEOUT_SECONDS", "smtp_timeout_seconds", "10", "Timeout of the SMTP connection.", float),
    Setting(
        "ENTRAIDE_OUTBOX_PATH",
        "outbox_path",
        "outbox",
        "Folder of the .eml files written when no SMTP host is set. Keep it out of git.",
    ),
    Setting(
        "GITHUB_REPOSITORY",
        "github_repository",
        "",
        "GitHub backend: the repository receiving the pull requests, as owner/name.",
    ),
    Setting(
        "GITHUB_TOKEN",
        "github_token",
        "",
        "GitHub backend: token allowed to push branches and open pull requests and issues (a secret).",
    ),
    Setting(
        "GITHUB_API_URL",
        "github_api_url",
        "https://api.github.com",
        "GitHub backend: base URL of the REST API.",
        lambda text: text.rstrip("/"),
    ),
    Setting("ENTRAIDE_BASE_BRANCH", "base_branch", "main", "GitHub backend: branch the pull requests target."),
    Setting(
        "ENTRAIDE_GITHUB_TIMEOUT_SECONDS",
        "github_timeout_seconds",
        "10",
        "GitHub backend: timeout of one API call.",
        float,
    ),
    Setting("ENTRAIDE_LOG_LEVEL", "log_level", "INFO", "Python logging level of the endpoint's logs."),
)


@dataclass(frozen=True)
class Config:
    site_url: str
    backend: str
    pending_path: str
    submissions_path: str
    reports_path: str
    private_key: str
    dev_keys_path: str
    token_secret: str
    min_fill_seconds: int
    form_token_max_age_seconds: int
    rate_limit_per_ip: int
    rate_limit_global: int
    trust_forwarded_for: bool
    expiry_days: int
    timezone: str
    geocoder_url: str
    geocoder_timeout_seconds: float
    moderators_email: str
    mail_from: str
    smtp_host: str
    smtp_port: int
    smtp_tls: str
    smtp_ca_file: str
    smtp_user: str
    smtp_password: str
    smtp_timeout_seconds: float
    outbox_path: str
    github_repository: str
    github_token: str
    github_api_url: str
    base_branch: str
    github_timeout_seconds: float
    log_level: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], **overrides: Any) -> Config:
        """Read every setting from `environ` (defaults for the missing ones); `overrides` win (tests, tools)."""
        values = {}
        for setting in SETTINGS:
            text = environ.get(setting.variable, setting.default)
            try:
                values[setting.field] = setting.parse(text.strip())
            except ValueError as error:
                raise ConfigError(f"{setting.variable}={text!r} is not valid: {error}") from error
        return cls(**{**values, **overrides})

    def __repr__(self) -> str:
        shown = {
            f.name: ("***" if _is_secret(f.name) and getattr(self, f.name) else getattr(self, f.name))
            for f in fields(self)
        }
        return f"Config({shown})"


def _is_secret(field: str) -> bool:
    return field in ("private_key", "token_secret", "smtp_password", "github_token")


def settings_markdown() -> str:
    """The settings as the Markdown table of docs/endpoint.md."""
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        default = f"`{setting.default}`" if setting.default else "(empty)"
        lines.append(f"| `{setting.variable}` | {default} | {setting.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(settings_markdown())
