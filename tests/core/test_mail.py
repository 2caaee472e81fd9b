"""Mails without an SMTP server land in the outbox; development keys are created once."""

from __future__ import annotations

import email
import email.policy
import logging

import pytest

from entraide.config import Config
from entraide.endpoint.app import create_app
from entraide.keys import load_keys
from entraide.mail import MailUnavailable, send_mail
from entraide.store import open_store, upgrade
from tests.harness.endpoint import AUTHOR_EMAIL, GOOD_FORM, THIRTEEN


def test_without_smtp_a_mail_is_an_eml_file_in_the_outbox_and_the_log_names_the_file(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="entraide")
    config = Config.from_environ({"ENTRAIDE_OUTBOX_PATH": str(tmp_path / "outbox")})
    mail_id = send_mail(config, "habitant@example.fr", "Votre annonce « <b>Courses</b> »", "Bonjour <script>")
    [path] = (tmp_path / "outbox").iterdir()
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Votre annonce « <b>Courses</b> »"
    assert message.get_content().strip() == "Bonjour <script>"
    assert message["Message-ID"] == f"<{mail_id}@entraide>"
    [line] = [r.getMessage() for r in caplog.records if mail_id in r.getMessage()]
    assert str(path) in line and "habitant" not in line


def test_the_endpoint_with_no_smtp_host_writes_the_confirmation_to_the_outbox(make_endpoint):
    endpoint = make_endpoint(ENTRAIDE_SMTP_HOST="")
    sent = endpoint.post("/submit", json=GOOD_FORM).json()
    [path] = (endpoint.root / "outbox").iterdir()
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == AUTHOR_EMAIL and sent["withdraw_key"] in message.get_content()


def test_a_development_key_pair_is_created_once_and_the_endpoint_says_it_runs_on_it(tmp_path, caplog):
    database = f"sqlite:///{tmp_path}/entraide.db"
    upgrade(open_store(database))
    config = Config.from_environ(
        {"ENTRAIDE_DEV_KEYS_PATH": str(tmp_path / ".dev-keys"), "ENTRAIDE_DATABASE_URL": database}
    )
    first = load_keys(config)
    assert load_keys(config) == first
    assert oct((tmp_path / ".dev-keys" / "private.key").stat().st_mode & 0o777) == "0o600"
    create_app(config)
    assert any("DEVELOPMENT key pair" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("to", "reply_to"),
    [
        (THIRTEEN, None),
        ("habitant@example.fr", "=?utf-8?q?a=0D=0ABcc=3A_b?=@x.fr"),
        ("habitant@example.fr, voisin@example.fr", None),
        ("Habitant <habitant@example.fr>", None),
    ],
)
def test_a_mail_to_anything_but_one_plain_address_is_not_sent_and_the_log_names_no_address(
    tmp_path, caplog, to, reply_to
):
    caplog.set_level(logging.INFO, logger="entraide")
    config = Config.from_environ({"ENTRAIDE_OUTBOX_PATH": str(tmp_path / "outbox")})
    with pytest.raises(MailUnavailable):
        send_mail(config, to, "Sujet", "Bonjour", reply_to=reply_to)
    assert not (tmp_path / "outbox").exists()
    assert "not one plain address" in caplog.text and "example.fr" not in caplog.text and "x.fr" not in caplog.text
