"""SMTP over TLS: the password never goes in clear, certificates are verified, a local relay keeps working.

Real aiosmtpd servers on 127.0.0.1, with a throw-away certificate authority made for each test; the endpoint
trusts it through ENTRAIDE_SMTP_CA_FILE, never by turning verification off.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import ssl
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from tests.harness.endpoint import AUTHOR_EMAIL, GOOD_FORM, VISITOR_EMAIL, approved_entry
from tests.harness.mail import Inbox, smtp_server
from tests.harness.network import LOOPBACK

LOGIN, PASSWORD = "entraide", "mot-de-passe-smtp-secret"


class Server(Inbox):
    """A mailbox that also records every AUTH command it is sent, and whether TLS protected it."""

    def __init__(self) -> None:
        super().__init__()
        self.auth: list[tuple[str, bool]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        self.logins.append((data.login, data.password))
        return AuthResult(success=(data.login, data.password) == (LOGIN.encode(), PASSWORD.encode()))


class RecordingSMTP(SMTP):
    async def smtp_AUTH(self, arg: str) -> None:
        self.event_handler.auth.append((arg, self.transport.get_extra_info("ssl_object") is not None))
        await super().smtp_AUTH(arg)


class RecordingController(Controller):
    def factory(self) -> SMTP:
        return RecordingSMTP(self.handler, **self.SMTP_kwargs)


def make_authority(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A certificate authority (its PEM file) and a server context with a certificate for 127.0.0.1 it signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)

    def certificate(subject: str, issuer: str, key: Any, signer: Any, extensions: list[tuple[Any, bool]]) -> Any:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    usage = dict.fromkeys(
        ("content_commitment", "key_encipherment", "data_encipherment", "key_agreement", "encipher_only"), False
    )
    ca = certificate(
        "Entraide test CA",
        "Entraide test CA",
        ca_key,
        ca_key,
        [
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (
                x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, decipher_only=False, **usage),
                True,
            ),
            (x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False),
        ],
    )
    leaf = certificate(
        LOOPBACK,
        "Entraide test CA",
        server_key,
        ca_key,
        [
            (x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]), False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
        ],
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(leaf.public_bytes(pem))
    (folder / "server.key").write_bytes(
        server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "server.pem", folder / "server.key")
    return folder / "ca.pem", context


@pytest.fixture
def authority(tmp_path) -> tuple[Path, ssl.SSLContext]:
    folder = tmp_path / "authority"
    folder.mkdir()
    return make_authority(folder)


@pytest.fixture
def start_server():
    """Start an SMTP server on 127.0.0.1 that offers AUTH: `starttls`, `implicit` (TLS first) or in clear."""
    with contextlib.ExitStack() as running:

        def start(tls: str, context: ssl.SSLContext | None = None) -> Server:
            server = Server()
            # aiosmtpd's auth_require_tls only knows STARTTLS: a server TLS from the first byte turns it off.
            options: dict[str, Any] = {"authenticator": server.authenticate, "auth_require_tls": tls == "starttls"}
            if tls == "starttls":
                options["tls_context"] = context
            if tls == "implicit":
                options["ssl_context"] = context
            return running.enter_context(smtp_server(server, RecordingController, **options))

        yield start


def logged_in(**settings: Any) -> dict[str, Any]:
    return {
        "ENTRAIDE_SMTP_USER": LOGIN,
        "ENTRAIDE_SMTP_PASSWORD": PASSWORD,
        "ENTRAIDE_SMTP_TIMEOUT_SECONDS": 5,
        **settings,
    }


def test_without_starttls_the_password_is_never_sent_and_the_entry_is_kept(make_endpoint, start_server, caplog):
    server = start_server("clear")  # offers AUTH PLAIN in clear, as a careless or hostile server would
    endpoint = make_endpoint(**logged_in(ENTRAIDE_SMTP_PORT=server.port))

    answer = endpoint.post("/submit", json=GOOD_FORM)
    assert answer.status_code == 201
    assert [entry.id for entry in endpoint.pending_entries()] == [answer.json()["id"]]
    entry = approved_entry(endpoint).entry
    relay = {"entry": entry.id, "message": "Bonjour, je peux aider.", "name": "Sam", "email": VISITOR_EMAIL}
    page = endpoint.post("/contact", data=relay)
    assert page.status_code == 503 and "Bonjour, je peux aider.</textarea>" in page.text

    assert server.auth == [] and server.logins == [] and server.messages == []
    refusals = [r.getMessage() for r in caplog.records if "offers no STARTTLS" in r.getMessage()]
    assert len(refusals) == 2 and "password" in refusals[0]
    assert AUTHOR_EMAIL not in caplog.text and VISITOR_EMAIL not in caplog.text and PASSWORD not in caplog.text


def test_with_starttls_and_the_deployers_authority_the_login_and_the_mail_go_over_tls(
    make_endpoint, start_server, authority
):
    ca_file, context = authority
    server = start_server("starttls", context)
    endpoint = make_endpoint(**logged_in(ENTRAIDE_SMTP_PORT=server.port, ENTRAIDE_SMTP_CA_FILE=ca_file))

    assert endpoint.post("/submit", json=GOOD_FORM).status_code == 201
    [mail] = server.wait(1)
    assert mail["To"] == AUTHOR_EMAIL
    assert [protected for _, protected in server.auth] == [True]
    assert server.logins == [(LOGIN.encode(), PASSWORD.encode())]


def test_implicit_tls_is_used_from_the_first_byte(make_endpoint, start_server, authority):
    ca_file, context = authority
    server = start_server("implicit", context)
    settings = logged_in(ENTRAIDE_SMTP_PORT=server.port, ENTRAIDE_SMTP_CA_FILE=ca_file, ENTRAIDE_SMTP_TLS="implicit")
    endpoint = make_endpoint(**settings)

    assert endpoint.post("/submit", json=GOOD_FORM).status_code == 201
    assert len(server.wait(1)) == 1
    assert [protected for _, protected in server.auth] == [True]


def test_a_certificate_no_trusted_authority_signed_gets_no_password(make_endpoint, start_server, authority, caplog):
    _, context = authority
    server = start_server("starttls", context)
    endpoint = make_endpoint(**logged_in(ENTRAIDE_SMTP_PORT=server.port))  # the system's authorities only

    assert endpoint.post("/submit", json=GOOD_FORM).status_code == 201
    assert server.auth == [] and server.logins == [] and server.messages == []
    assert "SSLCertVerificationError" in caplog.text and PASSWORD not in caplog.text


def test_a_local_relay_without_tls_or_login_still_gets_the_mail_unless_tls_is_required(make_endpoint, mailbox):
    assert make_endpoint().post("/submit", json=GOOD_FORM).status_code == 201
    assert len(mailbox.wait(1)) == 1

    strict = make_endpoint(ENTRAIDE_SMTP_TLS="starttls")
    assert strict.post("/submit", json={**GOOD_FORM, "title": "Une autre annonce"}).status_code == 201
    assert len(mailbox.messages) == 1
