"""A board: one company's job board on one ATS, and the deterministic shard it belongs to."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Board:
    """`ats` spider name, `company` board id as in the public URL, `params` ATS-specific (Lever EU...)."""

    ats: str
    company: str
    params: tuple[tuple[str, Any], ...] = field(default=())
    name: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.ats, self.company)

    def param(self, name: str, default: Any = None) -> Any:
        return dict(self.params).get(name, default)

    def __str__(self) -> str:
        return f"{self.ats}:{self.company}"


def parse_shard(value: str) -> tuple[int, int]:
    """`"I/N"` with 1 <= I <= N to (I, N); ValueError with the reason otherwise."""
    match = _SHARD.match(value or "")
    if not match:
        raise ValueError(f"shard must look like I/N (e.g. 3/8), got {value!r}")
    index, total = int(match.group(1)), int(match.group(2))
    if total < 1 or not 1 <= index <= total:
        raise ValueError(f"shard {value!r}: need 1 <= I <= N")
    return index, total


def shard_of(board: Board, total: int) -> int:
    """1-based shard of a board among `total`: a stable hash of (ats, company), the same on every node."""
    digest = hashlib.sha1(f"{board.ats}\x00{board.company}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % total + 1


def select_shard(boards: list[Board], index: int, total: int) -> list[Board]:
    """The boards of shard `index` of `total`; shards are disjoint and together cover every board."""
    return [b for b in boards if shard_of(b, total) == index]
