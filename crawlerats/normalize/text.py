"""Plain-text helpers: whitespace collapsing and MongoDB-safe dictionary keys."""

from __future__ import annotations

import re
from typing import Any

_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_text(value: Any) -> str | None:
    """Collapse whitespace and strip control characters; None for empty or non-scalar values."""
    if value is None or isinstance(value, (dict, list, tuple, set, bool)):
        return None
    text = _CONTROL.sub("", str(value))
    text = _WS.sub(" ", text).strip()
    return text or None


def safe_keys(value: Any, depth: int = 0) -> Any:
    """Return a copy whose dict keys are safe MongoDB field names (no leading `$`, no `.`, no NUL)."""
    if depth > 20:
        return None
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            name = str(key).replace("\x00", "").replace(".", "_").lstrip("$") or "_"
            out[name] = safe_keys(inner, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [safe_keys(v, depth + 1) for v in value]
    return value
