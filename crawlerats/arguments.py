"""Spider-argument helpers shared by every spider: list arguments given inline and/or in a file."""

from __future__ import annotations

import re
from pathlib import Path


def existing_file(value: str | None) -> str | None:
    """Pydantic validator body: the path must name an existing file."""
    if value and not Path(value).is_file():
        raise ValueError(f"no such file: {value}")
    return value


def argument_tokens(inline: str | None, path: str | None) -> list[str]:
    """Tokens of a comma/space separated argument plus one per line of `path` (`#` starts a comment)."""
    tokens = re.split(r"[,\s]+", inline or "")
    if path:
        tokens += [line.split("#", 1)[0] for line in Path(path).read_text().splitlines()]
    return [t.strip() for t in tokens if t.strip()]
