"""The ATS lists in README.md and docs/schema.md, generated from the spider classes (crawlerats/ats.py).

Each list sits between `<!-- NAME -->` and `<!-- /NAME -->` markers; tests/test_ats_docs.py fails when one
differs from what the spider classes say. Regenerate after adding an ATS:

    .venv/bin/python -m tests.support.ats_docs --write
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from crawlerats.ats import ats_spiders, board_spider_names
from tests.support.paths import REPO


def _ats_table() -> str:
    rows = ["| ATS | public board URL (board id in braces) |", "|---|---|"]
    for name, cls in ats_spiders().items():
        url = f"`{cls.public_url_template}`" if cls.public_url_template else f"see `crawlerats/spiders/{name}.py`"
        rows.append(f"| `{name}` | {url} |")
    return "\n".join(rows)


def _board_spider_names() -> str:
    return ", ".join(f"`{name}`" for name in board_spider_names())


#: (file relative to the repository, marker name, generator).
BLOCKS: tuple[tuple[str, str, Callable[[], str]], ...] = (
    ("README.md", "ats-table", _ats_table),
    ("docs/schema.md", "board-spiders", _board_spider_names),
)


def _pattern(marker: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {marker} -->)(.*?)(<!-- /{marker} -->)", re.S)


def _wrap(marker: str, text: str) -> str:
    """A multi-line block (table) on lines of its own; an inline list as is."""
    return f"\n{text}\n" if "\n" in text else text


def stale() -> list[str]:
    """`file: marker` for every generated block that is missing or out of date."""
    problems = []
    for relative, marker, generate in BLOCKS:
        match = _pattern(marker).search((REPO / relative).read_text())
        if match is None:
            problems.append(f"{relative}: no <!-- {marker} --> block")
        elif match.group(2) != _wrap(marker, generate()):
            problems.append(f"{relative}: <!-- {marker} --> is out of date")
    return problems


def write() -> None:
    for relative, marker, generate in BLOCKS:
        path: Path = REPO / relative
        text = path.read_text()
        block = _wrap(marker, generate())
        new = _pattern(marker).sub(lambda m, block=block: m.group(1) + block + m.group(3), text, count=1)
        if new != text:
            path.write_text(new)
            print(f"updated {relative} ({marker})")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        print("\n".join(stale()) or "up to date")
