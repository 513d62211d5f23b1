"""HTML handling: sanitise descriptions with nh3 (an allow-list, Rust ammonia) and derive plain text."""

from __future__ import annotations

import html as htmllib
import re

import nh3

#: Longest description we keep (characters of sanitised HTML). Longer ones are cut and counted.
MAX_DESCRIPTION_CHARS = 200_000

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}
_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
_BLOCK_BREAK = re.compile(r"(?i)<\s*(br|/?p|/?div|/li|/?h[1-6]|/?tr|/?ul|/?ol|hr|/?table|/?blockquote|/?pre)\b[^>]*>")
_CELL = re.compile(r"(?i)<\s*/?(td|th|dd|dt)\b[^>]*>")
_TAG = re.compile(r"<[^>]+>")
# The three below only match what their replacement changes (a single space, a lone newline or a pair
# of newlines already are what they would become): replacing every word gap cost more than the rest.
_BLANKS = re.compile(r"\n{3,}")  # -> "\n\n"
_SPACES = re.compile(r" [ \t\r\f\v\xa0]+|[\t\r\f\v\xa0][ \t\r\f\v\xa0]*")  # runs -> " "
_LINE_EDGES = re.compile(r" \n ?|\n ")  # -> "\n"


def unescape_html(value: str | None) -> str | None:
    """Undo one level of entity escaping (Greenhouse sends `&lt;p&gt;`)."""
    return htmllib.unescape(value) if value else value


def sanitize_html(value: str | None, max_chars: int = MAX_DESCRIPTION_CHARS) -> str | None:
    """Allow-list sanitise: only formatting tags, only http(s)/mailto links, rel=noopener on links."""
    if not value or not isinstance(value, str):
        return None
    cleaned = _clean(value[: max_chars * 2])
    cut = max_chars
    while len(cleaned) > max_chars and cut > 0:
        # Cutting may leave open tags that the re-clean closes again: shrink until it fits.
        cleaned = _clean(cleaned[:cut])
        cut -= 64
    return cleaned or None


#: Built once: `nh3.clean(value, **options)` rebuilds the allow-lists on every call.
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def _clean(value: str) -> str:
    return _CLEANER.clean(value).strip()


def html_to_text(value: str | None) -> str | None:
    """Plain text of an HTML fragment: block elements become line breaks, entities decoded.

    Whole-string regex passes only (no per-line loop): this runs once per posting on the hot path.
    """
    if not value:
        return None
    text = _BLOCK_BREAK.sub("\n", value)
    text = _CELL.sub(" ", text)
    text = _TAG.sub("", text)  # inline tags (b, a, span) join their text: "Build <b>pipelines</b>."
    text = htmllib.unescape(text)
    text = _SPACES.sub(" ", text)
    text = _LINE_EDGES.sub("\n", text)
    text = _BLANKS.sub("\n\n", text).strip()
    return text or None
