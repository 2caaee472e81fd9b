"""Settings shared by the endpoint and the `entraide` command: one frozen object read once from the environment.

Each setting is declared once, as a field of `Config` (Datasette's settings table is the model): its variable,
default, meaning, how its text is read and whether it is a secret. From that one declaration come
`Config.from_environ`, the redacted `repr`, and the Markdown table of the docs (`python -m entraide.config`);
a test fails when a setting is missing from the docs.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from entraide.store.engine import DATABASE_URL_VARIABLE, DEFAULT_DATABASE_URL


class ConfigError(ValueError):
    """A setting has a value the endpoint cannot use; the message names the variable and what to write."""


@dataclass(frozen=True)
class Setting:
    variable: str
    field: str
    default: str
    description: str
    parse: Callable[[str], Any] = str
    secret: bool = False


def setting(
    variable: str, default: str, description: str, *, parse: Callable[[str], Any] = str, secret: bool = False
) -> Any:
    """A field of Config that knows its environment variable, default, meaning, parser and secrecy."""
    return field(metadata={"setting": (variable, default, description, parse, secret)})


def _url(text: str) -> str:
    return text.rstrip("/")


def _integer(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be zero or more")
    return value


def _batch_size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 50:
        raise ValueError("must be between 1 and 50")
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


def _hours(text: str) -> str:
    import re

    if text and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", text):
        raise ValueError("write two times, such as 21:00-08:00, or nothing")
    return text


SMTP_TLS_MODES = ("auto", "implicit", "starttls")


def _smtp_tls(text: str) -> str:
    if text not in SMTP_TLS_MODES:
        raise ValueError("must be auto, implicit or starttls")
    return text


@dataclass(frozen=True)
class Config:
    site_url: str = setting(
        "ENTRAIDE_SITE_URL",
        "http://127.0.0.1:8000",
        "Public URL of the static site, without a trailing slash: the only origin allowed by CORS and the"
        " Origin check, and the base of the stylesheet and links of the endpoint's pages.",
        parse=_url,
    )
    backend: str = setting(
        "ENTRAIDE_BACKEND",
        "local",
        "Where pending entries go: `local` (files in ENTRAIDE_PENDING_PATH) or `github` (one pull request each).",
        parse=_backend,
    )
    pending_path: str = setting(
        "ENTRAIDE_PENDING_PATH",
        "pending",
        "Local backend: folder of pending entries, laid out like submissions/ (`<commune-slug>/<id>.yaml`).",
    )
    submissions_path: str = setting(
        "ENTRAIDE_SUBMISSIONS_PATH",
        "submissions",
        "Folder of approved entries, searched by /contact, /withdraw and /report.",
    )
    reports_path: str = setting(
        "ENTRAIDE_REPORTS_PATH",
        "reports",
        "Local backend: folder where reports and withdrawals are recorded as JSON lines (never a "
        "contact). Keep it out of git.",
    )
    private_key: str = setting(
        "ENTRAIDE_PRIVATE_KEY",
        "",
        "Base64 private key that seals and opens contacts (a secret; create one with `entraide keygen`). "
        "When empty, a development key pair is created in ENTRAIDE_DEV_KEYS_PATH and a warning is logged.",
        secret=True,
    )
    dev_keys_path: str = setting(
        "ENTRAIDE_DEV_KEYS_PATH",
        ".dev-keys",
        "Folder of the development key pair used when ENTRAIDE_PRIVATE_KEY is empty. Keep it out of git.",
    )
    token_secret: str = setting(
        "ENTRAIDE_TOKEN_SECRET",
        "",
        "Secret signing the form tokens (minimum fill time, preview confirmation) and keying entry ids "
        "and withdraw keys; never published. Empty: derived from the private key.",
        secret=True,
    )
    min_fill_seconds: int = setting(
        "ENTRAIDE_MIN_FILL_SECONDS",
        "5",
        "Minimum seconds between showing a form and sending it, proven by a signed token; 0 turns the check off.",
        parse=_integer,
    )
    form_token_max_age_seconds: int = setting(
        "ENTRAIDE_FORM_TOKEN_MAX_AGE_SECONDS",
        "7200",
        "How long a form token stays valid (a form left open longer must be reloaded). A token files one "
        "entry only: sent again, it is accepted for the same entry (a retry) and refused for another.",
        parse=_integer,
    )
    rate_limit_per_ip: int = setting(
        "ENTRAIDE_RATE_LIMIT_PER_IP",
        "10",
        "POST requests allowed per client per minute (an IPv4 address, or an IPv6 /64), counted in the store: "
        "the same for every instance together; 0 turns it off.",
        parse=_integer,
    )
    rate_limit_global: int = setting(
        "ENTRAIDE_RATE_LIMIT_GLOBAL",
        "300",
        "POST requests allowed per minute for all clients together, across every instance; 0 turns it off.",
        parse=_integer,
    )
    trusted_proxy: str = setting(
        "ENTRAIDE_TRUSTED_PROXY",
        "",
        "Address of the reverse proxy in front of the endpoint (e.g. 127.0.0.1): from it alone, the client "
        "address is taken from the X-Forwarded-For hop it adds (`python -m entraide.endpoint.serve` passes it "
        "to waitress's trusted_proxy). Empty: the connection's own address.",
    )
    expiry_days: int = setting(
        "ENTRAIDE_EXPIRY_DAYS",
        "30",
        "Days an entry stays online after it is submitted.",
        parse=_integer,
    )
    followup_days: int = setting(
        "ENTRAIDE_FOLLOWUP_DAYS",
        "3",
        "Days after a request is published before its author, when they gave an email, gets the one mail « Avez-vous"
        " trouvé de l'aide ? » (sent by `entraide followups send`, run daily or hourly); 0 turns follow-ups off.",
        parse=_integer,
    )
    endpoint_url: str = setting(
        "ENTRAIDE_ENDPOINT_URL",
        "http://127.0.0.1:8001",
        "Public URL of this form endpoint, without a trailing slash: the base of the links in the mails the"
        " `entraide` command sends (the follow-up's one-click links, the alerts' signed links to confirm, change"
        " and unsubscribe). The site's build reads the same variable.",
        parse=_url,
    )
    timezone: str = setting(
        "ENTRAIDE_TIMEZONE",
        "Europe/Paris",
        "Time zone of the territory: entries' `created` time and expiry date are reckoned in it.",
    )
    geocoder_url: str = setting(
        "ENTRAIDE_GEOCODER_URL",
        "https://api-adresse.data.gouv.fr/search/",
        "Address search of the Base Adresse Nationale (or a compatible service). Empty: addresses are not"
        " geocoded and entries have no location.",
    )
    geocoder_timeout_seconds: float = setting(
        "ENTRAIDE_GEOCODER_TIMEOUT_SECONDS",
        "2",
        "Timeout of one geocoder call; when it expires the entry is accepted without a location.",
        parse=float,
    )
    moderators_email: str = setting(
        "ENTRAIDE_MODERATORS_EMAIL",
        "moderation@entraide.invalid",
        "Address of the moderators: reports, and messages for authors who left only a phone number.",
    )
    mail_from: str = setting(
        "ENTRAIDE_MAIL_FROM",
        "Entraide <ne-pas-repondre@entraide.invalid>",
        "Sender of every mail.",
    )
    smtp_host: str = setting(
        "ENTRAIDE_SMTP_HOST",
        "",
        "SMTP server. Empty: mails are written as .eml files into ENTRAIDE_OUTBOX_PATH instead.",
    )
    smtp_port: int = setting(
        "ENTRAIDE_SMTP_PORT",
        "587",
        "SMTP port.",
        parse=_integer,
    )
    smtp_tls: str = setting(
        "ENTRAIDE_SMTP_TLS",
        "auto",
        "How mails reach the SMTP server encrypted: `auto` (TLS from the first byte on port 465, else "
        "STARTTLS when the server offers it), `implicit` (TLS from the first byte on any port) or "
        "`starttls` (STARTTLS required). Whatever the mode, the login and password are only ever sent "
        "over verified TLS: a server that offers no STARTTLS then gets no mail (logged). Without a login,"
        " `auto` still sends in clear to a server that offers no STARTTLS, such as a relay on the same "
        "host.",
        parse=_smtp_tls,
    )
    smtp_ca_file: str = setting(
        "ENTRAIDE_SMTP_CA_FILE",
        "",
        "PEM file of the certificate authorities trusted for the SMTP server, instead of the system's (a "
        "private authority). Certificates and host names are always verified.",
    )
    smtp_user: str = setting(
        "ENTRAIDE_SMTP_USER",
        "",
        "SMTP login; empty for none.",
    )
    smtp_password: str = setting(
        "ENTRAIDE_SMTP_PASSWORD",
        "",
        "SMTP password (a secret), never sent without TLS.",
        secret=True,
    )
    smtp_timeout_seconds: float = setting(
        "ENTRAIDE_SMTP_TIMEOUT_SECONDS",
        "10",
        "Timeout of the SMTP connection.",
        parse=float,
    )
    outbox_path: str = setting(
        "ENTRAIDE_OUTBOX_PATH",
        "outbox",
        "Folder of the .eml files written when no SMTP host is set. Keep it out of git.",
    )
    github_repository: str = setting(
        "GITHUB_REPOSITORY",
        "",
        "GitHub backend: the repository receiving the pull requests, as owner/name.",
    )
    github_token: str = setting(
        "GITHUB_TOKEN",
        "",
        "GitHub backend: token allowed to push branches and open pull requests and issues (a secret).",
        secret=True,
    )
    github_api_url: str = setting(
        "GITHUB_API_URL",
        "https://api.github.com",
        "GitHub backend: base URL of the REST API.",
        parse=_url,
    )
    base_branch: str = setting(
        "ENTRAIDE_BASE_BRANCH",
        "main",
        "GitHub backend: branch the pull requests target.",
    )
    github_timeout_seconds: float = setting(
        "ENTRAIDE_GITHUB_TIMEOUT_SECONDS",
        "10",
        "GitHub backend: timeout of one API call.",
        parse=float,
    )
    batch_threshold: int = setting(
        "ENTRAIDE_BATCH_THRESHOLD",
        "25",
        "GitHub backend: when more entries than this wait in the queue, the publisher groups one commune's "
        "entries into one pull request (a batch, 5 writes for up to ENTRAIDE_BATCH_SIZE entries) instead of one "
        "pull request each (4 writes each: GitHub's 500 writes an hour then publish 125 entries an hour). A queue "
        "longer than a minute and a half of one pull request per entry is a surge.",
        parse=_integer,
    )
    batch_size: int = setting(
        "ENTRAIDE_BATCH_SIZE",
        "50",
        "GitHub backend: most entries in one batched pull request (1 to 50): moderators review it at once, and "
        "its description, which shows every entry, stays within GitHub's 65,536 characters.",
        parse=_batch_size,
    )
    database_url: str = setting(
        DATABASE_URL_VARIABLE,
        DEFAULT_DATABASE_URL,
        "The store every instance shares (the intake queue, rate limits, idempotency, form tokens, the "
        "forge's writes): `sqlite:///path/file.db` on one machine, `postgresql://user:password@host:5432/name` "
        "when several instances run (a secret: it holds a password). See docs/store.md.",
        secret=True,
    )
    publish_after_submit: bool = setting(
        "ENTRAIDE_PUBLISH_AFTER_SUBMIT",
        "true",
        "After answering a resident, hand queued entries to the moderators from this process, in the "
        "background. Set false where the process stops with its answer (AWS Lambda) and run `entraide "
        "publish` on a schedule instead.",
        parse=_flag,
    )
    alerts_manifest: str = setting(
        "ENTRAIDE_ALERTS_MANIFEST",
        "output/alertes/manifest.json",
        "Where `entraide alerts send` reads what the site publishes: the built site's `alertes/manifest.json`, "
        "as a file or at the site's address (https://…/alertes/manifest.json). See docs/alerts.md.",
    )
    alerts_delay_minutes: int = setting(
        "ENTRAIDE_ALERTS_DELAY_MINUTES",
        "30",
        "Minutes an entry must have been published before it is announced (a withdrawn entry is never mailed).",
        parse=_integer,
    )
    alerts_duration_days: int = setting(
        "ENTRAIDE_ALERTS_DURATION_DAYS",
        "90",
        "Days a subscription to alerts lasts after its confirmation or its last change; the mails say when.",
        parse=_integer,
    )
    alerts_max_entries: int = setting(
        "ENTRAIDE_ALERTS_MAX_ENTRIES",
        "10",
        "Entries listed in one alert mail; beyond, « et X autres » with a link to the site.",
        parse=_integer,
    )
    alerts_quiet_hours: str = setting(
        "ENTRAIDE_ALERTS_QUIET_HOURS",
        "21:00-08:00",
        "Hours (in ENTRAIDE_TIMEZONE) when no alert mail leaves: they wait for the first run after. Empty: none.",
        parse=_hours,
    )
    alerts_mails_per_hour: int = setting(
        "ENTRAIDE_ALERTS_MAILS_PER_HOUR",
        "1000",
        "Most alert mails sent in any hour, for every sender together (SMTP providers have such a cap); the "
        "rest wait for the next run. 0: no cap.",
        parse=_integer,
    )
    log_level: str = setting(
        "ENTRAIDE_LOG_LEVEL",
        "INFO",
        "Python logging level of the endpoint's logs.",
    )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], **overrides: Any) -> Config:
        """Read every setting from `environ` (defaults for the missing ones); `overrides` win (tests, tools)."""
        values = {}
        for item in settings():
            text = environ.get(item.variable, item.default)
            try:
                values[item.field] = item.parse(text.strip())
            except ValueError as error:
                raise ConfigError(f"{item.variable}={text!r} is not valid: {error}") from error
        return cls(**{**values, **overrides})

    def zone(self) -> dt.tzinfo:
        """The territory's time zone (`created`, expiry dates, today for the commands); UTC, said in the log,
        when the system lacks it."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            logging.getLogger("entraide").warning(
                "time zone %r unknown here (install the tzdata package): dates are in UTC", self.timezone
            )
            return dt.UTC

    def __repr__(self) -> str:
        shown = {
            item.field: "***" if item.secret and getattr(self, item.field) else getattr(self, item.field)
            for item in settings()
        }
        return f"Config({shown})"


def settings() -> Iterator[Setting]:
    """Every setting, in declaration order, as declared on Config."""
    for declared in fields(Config):
        variable, default, description, parse, secret = declared.metadata["setting"]
        yield Setting(variable, declared.name, default, description, parse, secret)


SETTINGS: tuple[Setting, ...] = tuple(settings())


def settings_markdown() -> str:
    """The settings as the Markdown table of docs/endpoint.md."""
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for item in SETTINGS:
        default = f"`{item.default}`" if item.default else "(empty)"
        lines.append(f"| `{item.variable}` | {default} | {item.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(settings_markdown())
