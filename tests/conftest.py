"""Fixtures shared by every test folder: one Debian Chromium for the whole run.

Playwright's sync API runs one event loop per thread, so the browser tests of tests/map/ and
tests/browser/ must share a single Playwright instance and browser rather than start one each.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / ".node"  # git-ignored
NODE_PACKAGES = Path(__file__).resolve().parent / "browser"  # package.json and its lock file
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, installed with apt when missing (never a downloaded browser build)."""
    if not Path(CHROMIUM).exists():
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False)
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make browser` (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """tests/.node/node_modules (axe-core, the Nu Html Checker) at the versions pinned in tests/browser/."""
    modules = NODE_DIR / "node_modules"
    wanted = json.loads((NODE_PACKAGES / "package.json").read_text())["dependencies"]
    if not all(_installed_version(modules, name) == version for name, version in wanted.items()):
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(NODE_PACKAGES / name, NODE_DIR / name)
        subprocess.run(["npm", "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund", "--silent"], check=True)
    return modules


def _installed_version(modules: Path, name: str) -> str | None:
    manifest = modules / name / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else None
