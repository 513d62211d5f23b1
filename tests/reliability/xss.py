"""The XSS payload corpus (tests/reliability/xss_corpus.txt; provenance in its header)."""

from __future__ import annotations

from pathlib import Path

CORPUS_FILE = Path(__file__).with_name("xss_corpus.txt")


def xss_corpus() -> list[str]:
    lines = CORPUS_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("# ")]
