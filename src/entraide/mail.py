"""Plain-text French mails, sent by SMTP or, with no SMTP host, written as .eml files into the outbox.

Logs name a mail by its id and the outbox file, never by an address: addresses are contacts.
Over SMTP, the password only ever travels over TLS whose certificate was verified (ENTRAIDE_SMTP_TLS).
The outbox stands in for a mail server on a developer's machine; like one, it holds addresses (keep it
out of git, which .gitignore does for outbox/).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from email.message import EmailMessage, Message
from email.utils import format_datetime, localtime
from pathlib import Path
from typing import TYPE_CHECKING

from entraide.emails import is_plain_address

if TYPE_CHECKING:
    import smtplib
    import ssl

    from entraide.config import Config

log = logging.getLogger("entraide.mail")


class MailUnavailable(Exception):
    """The mail could not be handed to the SMTP server; the resident can try again later."""


def send_mail(
    config: Config, to: str, subject: str, body: str, reply_to: str | None = None, *, html: str | None = None
) -> str:
    """Send one mail; returns its id (also its Message-ID), the only thing worth logging about it."""
    message, mail_id = compose(config, to, subject, body, reply_to, html=html)
    if config.smtp_host:
        _send_smtp(config, message, mail_id)
        log.info("mail %s sent through SMTP", mail_id)
    else:
        path = _write_outbox(Path(config.outbox_path), message, mail_id)
        log.info("mail %s written to %s", mail_id, path)
    return mail_id


def compose(
    config: Config,
    to: str,
    subject: str,
    body: str,
    reply_to: str | None = None,
    *,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    mail_id: str | None = None,
) -> tuple[EmailMessage, str]:
    """The mail, plain text (and an HTML alternative when given); `headers` such as List-Unsubscribe."""
    mail_id = mail_id or uuid.uuid4().hex[:16]
    if not all(is_plain_address(address) for address in (to, reply_to) if address):
        # An address sealed before addresses were checked this strictly, or a setting: it could name others.
        log.warning("mail %s not sent: its recipient or Reply-To is not one plain address", mail_id)
        raise MailUnavailable("recipient or Reply-To is not one plain address")
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = " ".join(subject.split())  # a title is one line, but a header must never break
    message["Date"] = format_datetime(localtime())
    message["Message-ID"] = f"<{mail_id}@entraide>"
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body, subtype="plain", charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    return message, mail_id


def compose_bulk(
    config: Config, to: str, subject: str, text: str, html: str, headers: Mapping[str, str], mail_id: str
) -> Message:
    """A plain text and HTML mail built with the email package's older API: what `compose` makes, in a fifth
    of the time (its header objects cost 2 ms a mail), for the alerts' thousands of digests. Only our own
    ASCII headers and a checked plain address go in as they are; the subject is encoded."""
    from email.header import Header
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.policy import compat32

    unfolded = compat32.clone(max_line_length=998)  # List-Unsubscribe on one line, as mail clients read it best
    if not is_plain_address(to):
        log.warning("mail %s not sent: its recipient is not one plain address", mail_id)
        raise MailUnavailable("recipient is not one plain address")
    message = MIMEMultipart("alternative", policy=unfolded)
    message["From"] = config.mail_from
    message["To"] = to
    message["Subject"] = Header(" ".join(subject.split()), "utf-8")
    message["Date"] = format_datetime(localtime())
    message["Message-ID"] = f"<{mail_id}@entraide>"
    message["Auto-Submitted"] = "auto-generated"
    for name, value in headers.items():
        if not value.isascii() or "\n" in value or "\r" in value:
            raise ValueError(f"header {name} must be one line of ASCII")
        message[name] = value
    message.attach(MIMEText(text, "plain", "utf-8", policy=unfolded))
    message.attach(MIMEText(html, "html", "utf-8", policy=unfolded))
    return message


Deliver = Callable[[Message, str, Callable[[], None]], None]


@contextmanager
def mail_session(config: Config) -> Iterator[Deliver]:
    """One connection for many mails (the alerts' sender): yields `deliver(message, mail_id, before_last_line)`,
    which raises MailUnavailable when the server refuses that mail or the connection is lost.

    `before_last_line()` is called once the whole mail but its last line (the lone "." that ends SMTP's DATA) has
    reached the server: before it, a mail interrupted is surely not delivered; after it, it may be.
    """
    if not config.smtp_host:
        yield lambda message, mail_id, before_last_line: _to_outbox(config, message, mail_id, before_last_line)
        return
    import smtplib
    import socket

    client = _smtp_guarded(config, "(session)", lambda: _connect(config, "(session)"))
    # The last line goes alone after a pause: without this, Nagle's algorithm holds it for the server's delayed
    # acknowledgement (40 ms on Linux), and a mail a second becomes twenty.
    client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        yield lambda message, mail_id, before_last_line: _smtp_guarded(
            config, mail_id, lambda: _send_in_two_steps(client, config, message, before_last_line)
        )
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _to_outbox(config: Config, message: Message, mail_id: str, before_last_line: Callable[[], None]) -> None:
    before_last_line()
    log.info("mail %s written to %s", mail_id, _write_outbox(Path(config.outbox_path), message, mail_id))


def _send_in_two_steps(
    client: smtplib.SMTP, config: Config, message: Message, before_last_line: Callable[[], None]
) -> None:
    """What smtplib's send_message does, with a pause before the line that makes the server keep the mail."""
    import re
    import smtplib
    from email.utils import parseaddr

    sender, recipient = parseaddr(config.mail_from)[1], str(message["To"])
    body = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    body = re.sub(rb"(?m)^\.", b"..", body)  # a line starting with "." is doubled (RFC 5321, 4.5.2)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    code, answer = client.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    code, answer = client.rcpt(recipient)
    if code not in (250, 251):
        client.rset()
        raise smtplib.SMTPRecipientsRefused({"(recipient)": (code, answer)})
    code, answer = client.docmd("data")
    if code != 354:
        raise smtplib.SMTPDataError(code, answer)
    client.send(body)
    before_last_line()
    client.send(b".\r\n")
    code, answer = client.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, answer)


def _send_smtp(config: Config, message: EmailMessage, mail_id: str) -> None:
    """Hand the mail over, encrypted as ENTRAIDE_SMTP_TLS says; a password is only ever sent over verified TLS."""

    def send() -> None:
        with _connect(config, mail_id) as client:
            client.send_message(message)

    _smtp_guarded(config, mail_id, send)


def _smtp_guarded(config: Config, mail_id: str, action: Callable[[], object]) -> object:
    import smtplib  # with ssl, ~30 ms: not paid by the outbox nor by a cold start that sends no mail

    try:
        return action()
    except (smtplib.SMTPException, OSError) as error:  # ssl.SSLError, a refused certificate included
        # The class only: the messages of some errors (refused recipients) hold addresses.
        log.warning(
            "mail %s not sent through SMTP %s:%d: %s", mail_id, config.smtp_host, config.smtp_port, type(error).__name__
        )
        raise MailUnavailable(f"SMTP server unavailable: {type(error).__name__}") from error


def _connect(config: Config, mail_id: str) -> smtplib.SMTP:
    """A connection ready to send: TLS as ENTRAIDE_SMTP_TLS says, logged in when a login is set."""
    import smtplib
    import ssl

    implicit = config.smtp_tls == "implicit" or (config.smtp_tls == "auto" and config.smtp_port == 465)
    context = ssl.create_default_context(cafile=config.smtp_ca_file or None)  # verifies certificate and host
    if implicit:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            config.smtp_host, config.smtp_port, timeout=config.smtp_timeout_seconds, context=context
        )
    else:
        client = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.smtp_timeout_seconds)
    try:
        client.ehlo()
        if not implicit:
            _start_tls(config, client, context, mail_id)
        if config.smtp_user:
            client.login(config.smtp_user, config.smtp_password)
    except BaseException:
        client.close()
        raise
    return client


def _start_tls(config: Config, client: smtplib.SMTP, context: ssl.SSLContext, mail_id: str) -> None:
    if client.has_extn("starttls"):
        client.starttls(context=context)
        client.ehlo()
        return
    if config.smtp_user or config.smtp_tls == "starttls":
        why = "the password is never sent in clear" if config.smtp_user else "ENTRAIDE_SMTP_TLS=starttls requires it"
        log.error(
            "mail %s not sent: the SMTP server %s:%d offers no STARTTLS and %s (for TLS from the first byte, "
            "set ENTRAIDE_SMTP_TLS=implicit)",
            mail_id,
            config.smtp_host,
            config.smtp_port,
            why,
        )
        raise MailUnavailable("SMTP server offers no STARTTLS")


def _write_outbox(outbox: Path, message: Message, mail_id: str) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{time.strftime('%Y%m%dT%H%M%S')}-{mail_id}.eml"
    handle, temporary = tempfile.mkstemp(dir=outbox, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        stream.write(message.as_bytes())
    os.replace(temporary, path)
    return path
