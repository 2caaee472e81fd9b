"""The endpoint's key pair: from ENTRAIDE_PRIVATE_KEY, or a development pair created once in .dev-keys/."""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from entraide.sealing import KeyPair

if TYPE_CHECKING:
    from entraide.config import Config

log = logging.getLogger("entraide.keys")

PRIVATE_FILE = "private.key"
PUBLIC_FILE = "public.key"


def load_keys(config: Config) -> KeyPair:
    """The instance's key pair; without ENTRAIDE_PRIVATE_KEY, the development pair (created on first use)."""
    if config.private_key:
        return KeyPair.from_private(config.private_key)
    return _development_keys(Path(config.dev_keys_path))


def development_warning(config: Config) -> str:
    """What to tell the person who runs the endpoint on the development pair ('' with the instance's key)."""
    if config.private_key:
        return ""
    return f"using the DEVELOPMENT key pair of {config.dev_keys_path}: set ENTRAIDE_PRIVATE_KEY in production"


def _development_keys(folder: Path) -> KeyPair:
    path = folder / PRIVATE_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        keys = KeyPair.generate()
        try:  # O_EXCL: two processes starting together keep the same pair
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _development_keys(folder)
        with os.fdopen(handle, "w") as stream:
            stream.write(keys.private + "\n")
        (folder / PUBLIC_FILE).write_text(keys.public + "\n")
        log.info("created a development key pair in %s", folder)
        return keys
    return KeyPair.from_private(path.read_text())


def token_secret(config: Config, keys: KeyPair) -> bytes:
    """ENTRAIDE_TOKEN_SECRET, else a secret derived from the private key (one secret less to manage)."""
    if config.token_secret:
        return config.token_secret.encode()
    return hashlib.blake2b(base64.b64decode(keys.private), person=b"entraide-token").digest()
