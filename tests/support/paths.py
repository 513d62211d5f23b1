"""Where the shared real ATS payloads live (read-only, see ../shared/fixtures/PROVENANCE.md)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_FIXTURES = Path(os.environ.get("CRAWLERATS_SHARED_FIXTURES", REPO.parent / "shared" / "fixtures"))


def fixture(relative: str) -> Path:
    """Path of a shared fixture such as ``lever/spotify_prettyirrelevant.json``."""
    path = SHARED_FIXTURES / relative
    if not path.exists():
        raise FileNotFoundError(f"shared fixture {relative} not found under {SHARED_FIXTURES}")
    return path
