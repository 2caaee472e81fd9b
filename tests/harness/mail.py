"""A real SMTP server on 127.0.0.1 (aiosmtpd) keeping every mail it receives, parsed as a recipient reads it.

`mailbox` is a fresh server for one test (what the endpoints started in the test process send to);
`inbox` is one server for the whole run (what the browser tests' endpoint process sends to).
`smtp_server` starts any handler, with a Controller of the test's own when it needs one (TLS, AUTH).
"""

from __future__ import annotations

import email
import email.policy
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from .network import LOOPBACK
from .ports import free_port


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content()


class Inbox:
    """aiosmtpd's handler: every mail received, in order; `port` is the server's once it runs."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by this name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [mail.message for mail in self.mails]

    def wait(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """The messages received once there are `count` of them, or all there are after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.mails) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def wait_for(self, predicate: Callable[[Mail], bool], timeout: float = 10.0) -> Mail:
        """The first mail matching `predicate`, waiting for the endpoint to send it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in list(self.mails):
                if predicate(mail):
                    return mail
            time.sleep(0.05)
        seen = [(mail.recipients, mail.message["Subject"]) for mail in self.mails]
        raise AssertionError(f"no such mail arrived within {timeout} s; received: {seen}")


@contextmanager
def smtp_server(handler: Inbox, controller: type[Controller] = Controller, **options: Any) -> Iterator[Inbox]:
    """`handler` served by an SMTP server on a free port of 127.0.0.1 (aiosmtpd `options`: TLS, AUTH...)."""
    # The server stands for the recipients' side: its own log (every address it receives) is not what our code
    # logs, which the tests read through caplog.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    running = controller(handler, hostname=LOOPBACK, port=free_port(), **options)
    running.start()
    handler.port = running.port
    try:
        yield handler
    finally:
        running.stop()


@pytest.fixture
def mailbox() -> Iterator[Inbox]:
    """An SMTP server of this test's own."""
    with smtp_server(Inbox()) as inbox:
        yield inbox


@pytest.fixture(scope="session")
def inbox() -> Iterator[Inbox]:
    """One SMTP server for the whole run."""
    with smtp_server(Inbox()) as running:
        yield running
