"""Hypothesis strategies that turn a real ATS payload (JSON or XML bytes) into a hostile variant.

Structured mutations pick random places in the parsed payload and replace values with hostile ones
(wrong types, huge or empty strings, XSS, lone surrogates and NULs, 1970 and far-future dates, negative,
absurd and non-finite numbers, `$`/`.` keys), delete keys, or duplicate list entries (duplicate ids).
Byte mutations then may truncate the body, re-encode it as Latin-1, splice in invalid UTF-8 or a BOM.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from typing import Any

from hypothesis import strategies as st

HUGE = "<p>" + "Lorem ipsum dolor sit amet. " * 9_000 + "</p>"  # ~250,000 characters

HOSTILE_VALUES: list[Any] = [
    None, "", "   ", 0, -1, -250000, 1e308, -1e308, 2**70, 3.5, True, False, [], {}, [None], [1, "x", None],
    {"$where": "sleep(1)", "a.b": {"$gt": ""}, "": 1, "x\x00y": 2},
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">x</a>',
    "<svg/onload=alert(1)>", '<div style="background:url(javascript:alert(1))">x</div>',
    "\ud800", "bad\x00nul", "\u202eevil", "\ufeffbom", "caf\u00e9 \u65e5\u672c \U0001f600", "Ã©Ã¨ mojibake",
    HUGE, "1970-01-01T00:00:00Z", "1970-01-01", 0, 86_400_000, "9999-12-31T23:59:59Z", 32_503_680_000_000,
    "2999-01-01", "Posted 30+ Days Ago", "yesterday", "not a date", "-5", "NaN", "Infinity", "1e400",
    "$-120,000 - $-90,000", "€999999999999", "USD", "per-year-salary", "XX", "Remote", "http://", "mailto:x",
    "javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
]


def _places(node: Any, out: list[tuple[Any, Any]], depth: int = 0) -> None:
    """Every (container, key) below `node` (dict keys and list indices), depth-limited."""
    if depth > 12 or len(out) > 4000:
        return
    if isinstance(node, dict):
        for key in list(node):
            out.append((node, key))
            _places(node[key], out, depth + 1)
    elif isinstance(node, list):
        for index in range(len(node)):
            out.append((node, index))
            _places(node[index], out, depth + 1)


@st.composite
def mutate_json_value(draw: st.DrawFn, data: Any) -> Any:
    """`data` (parsed JSON, copied) with 1-6 structural mutations."""
    data = json.loads(json.dumps(data))
    for _ in range(draw(st.integers(1, 6))):
        places: list[tuple[Any, Any]] = []
        _places(data, places)
        if not places:
            return copy.deepcopy(draw(st.sampled_from(HOSTILE_VALUES)))
        container, key = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "duplicate", "stringify", "wrap"]))
        if action == "replace":
            container[key] = copy.deepcopy(draw(st.sampled_from(HOSTILE_VALUES)))
        elif action == "delete":
            del container[key]
        elif action == "duplicate":
            target = container[key]
            if isinstance(target, list) and target:
                target.append(json.loads(json.dumps(target[draw(st.integers(0, len(target) - 1))])))
            elif isinstance(container, list):
                container.append(json.loads(json.dumps(container[key])))
        elif action == "stringify":
            container[key] = json.dumps(container[key])
        else:
            container[key] = [container[key]]
    return data


@st.composite
def mutate_bytes(draw: st.DrawFn, body: bytes) -> bytes:
    """Byte-level damage applied (sometimes) after the structural mutations."""
    action = draw(st.sampled_from(["none", "none", "none", "truncate", "latin1", "invalid_utf8", "bom", "empty"]))
    if action == "truncate" and body:
        return body[: draw(st.integers(0, len(body) - 1))]
    if action == "latin1":
        return body.decode("utf-8", "replace").encode("latin-1", "replace")
    if action == "invalid_utf8" and body:
        at = draw(st.integers(0, len(body)))
        return body[:at] + draw(st.sampled_from([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"])) + body[at:]
    if action == "bom":
        return b"\xef\xbb\xbf" + body
    if action == "empty":
        return b""
    return body


def _dump(value: Any) -> bytes:
    # ensure_ascii keeps lone surrogates as \ud800 escapes, exactly as a hostile server can send them.
    return json.dumps(value, allow_nan=True).encode()


@st.composite
def hostile_json(draw: st.DrawFn, original: bytes) -> bytes:
    return draw(mutate_bytes(_dump(draw(mutate_json_value(json.loads(original))))))


def _xml_safe(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return "".join(ch for ch in text if ch in "\t\n\r" or (ch >= " " and not 0xD800 <= ord(ch) <= 0xDFFF))


@st.composite
def hostile_xml(draw: st.DrawFn, original: bytes) -> bytes:
    root = ET.fromstring(original)
    elements = list(root.iter())
    for _ in range(draw(st.integers(1, 6))):
        element = draw(st.sampled_from(elements))
        action = draw(st.sampled_from(["text", "text", "remove", "duplicate", "cdata"]))
        if action == "text":
            element.text = _xml_safe(draw(st.sampled_from(HOSTILE_VALUES)))
        elif action in ("remove", "duplicate"):
            parent = next((p for p in root.iter() if element in list(p)), None)
            if parent is not None:
                if action == "remove":
                    parent.remove(element)
                    elements = list(root.iter())
                else:
                    parent.append(ET.fromstring(ET.tostring(element)))
        else:
            element.text = "<![CDATA[" + _xml_safe(draw(st.sampled_from(HOSTILE_VALUES))) + "]]>"
    return draw(mutate_bytes(ET.tostring(root, encoding="utf-8")))


@st.composite
def hostile_markup(draw: st.DrawFn, original: bytes) -> bytes:
    """HTML (and other text payloads): hostile values spliced in and spans cut at random places, then byte damage."""
    body = original
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(body)))
        if draw(st.booleans()):
            body = body[:at] + _xml_safe(draw(st.sampled_from(HOSTILE_VALUES))).encode() + body[at:]
        else:
            body = body[:at] + body[draw(st.integers(at, min(len(body), at + 400))):]
    return draw(mutate_bytes(body))


def hostile_payload(path: str, original: bytes) -> st.SearchStrategy[bytes]:
    """The mutation strategy for a saved payload, by its file type (.json, .xml, anything else as markup)."""
    if path.endswith(".json"):
        return hostile_json(original)
    if path.endswith((".xml", ".rss")):
        return hostile_xml(original)
    return hostile_markup(original)
