"""`entraide alerts send` as cron runs it: what it says in French, and a missing manifest stops it cleanly."""

from __future__ import annotations

import os

import pytest

from entraide.alerts.manifest import manifest_json
from entraide.sealing import KeyPair
from tests.harness.endpoint import upgrade_store
from tests.harness.network import LOOPBACK
from tests.harness.repository import run_entraide


@pytest.fixture
def environ(tmp_path, mailbox):
    upgrade_store(f"sqlite:///{tmp_path}/entraide.db")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAIDE_")}
    return {
        **clean,
        "ENTRAIDE_DATABASE_URL": f"sqlite:///{tmp_path}/entraide.db",
        "ENTRAIDE_PRIVATE_KEY": KeyPair.generate().private,
        "ENTRAIDE_ALERTS_MANIFEST": str(tmp_path / "manifest.json"),
        "ENTRAIDE_SMTP_HOST": LOOPBACK,
        "ENTRAIDE_SMTP_PORT": str(mailbox.port),
    }


def test_a_run_says_what_it_did(environ, tmp_path):
    (tmp_path / "manifest.json").write_text(manifest_json([]))
    result = run_entraide("alerts", "send", cwd=tmp_path, env=environ)
    assert result.code == 0, result.err
    assert "0 annonce nouvelle à annoncer, 0 e-mail envoyé" in result.out


def test_a_missing_manifest_is_a_french_error(environ, tmp_path):
    result = run_entraide("alerts", "send", cwd=tmp_path, env=environ)
    assert result.code == 1
    assert "liste des annonces publiées illisible" in result.err and "manifest.json" in result.err
