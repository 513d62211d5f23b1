"""The signing key: CRAWLERATS_SECRET_KEY, or one generated once into the data directory (mode 0600)."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from crawlerats.db.connection import data_dir

logger = logging.getLogger(__name__)

KEY_FILE = "secret_key"
MIN_LENGTH = 32


class SecretKeyError(ValueError):
    """The configured or stored key is too short, or the key file is readable by others."""


def _check(key: str, where: str) -> bytes:
    if len(key) < MIN_LENGTH:
        raise SecretKeyError(f"{where} must be at least {MIN_LENGTH} characters")
    return key.encode("utf-8")


def key_file(settings: Any = None) -> Path:
    return data_dir(settings) / KEY_FILE


def secret_key(settings: Any = None) -> bytes:
    """The configured key, else the data directory's key file, created (0600, exclusively) on first use."""
    configured = (settings.get("CRAWLERATS_SECRET_KEY") if settings is not None else None) \
        or os.environ.get("CRAWLERATS_SECRET_KEY")
    if configured:
        return _check(str(configured).strip(), "CRAWLERATS_SECRET_KEY")
    path = key_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written to a private temporary file, then linked into place: a concurrent first start either
        # wins the link or reads the winner's complete key.
        temp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(temp, path)
            logger.info("Generated a new secret key in %s (mode 0600)", path)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    if path.stat().st_mode & 0o077:
        raise SecretKeyError(f"{path} is readable by other users: chmod 600 it")
    return _check(path.read_text(encoding="ascii").strip(), str(path))
