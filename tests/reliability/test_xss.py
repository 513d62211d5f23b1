"""XSS: every payload of the corpus comes out of `sanitize_html` safe to insert into a page.

"Safe" is checked by tests/reliability/contract.py:html_problems with Python's own HTML parser: only the
allow-listed formatting tags, only href/title/rel on links and colspan/rowspan on cells, only http(s) and
mailto link schemes, no comments. The same corpus goes through a real crawl in test_hostile_payloads.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawlerats.normalize import sanitize_html
from tests.reliability.contract import html_problems
from tests.reliability.xss import xss_corpus

CORPUS = xss_corpus()


def test_corpus_is_substantial() -> None:
    assert len(CORPUS) >= 100


@pytest.mark.parametrize("payload", CORPUS)
def test_payload_is_neutralised(payload: str) -> None:
    cleaned = sanitize_html(payload) or ""
    assert not html_problems(cleaned), (payload, cleaned, html_problems(cleaned))
    for tag in re.findall(r"<[^>]*>", cleaned.lower()):  # dangerous words may survive only as inert text
        for needle in ("javascript:", "vbscript:", "data:", "expression(", "onerror", "onload", "onmouse", "style="):
            assert needle not in tag, (payload, cleaned)
    # Stable under re-sanitising: no mutation-XSS round trip changes what a browser would parse.
    assert (sanitize_html(cleaned) or "") == cleaned


def test_harmless_markup_survives() -> None:
    cleaned = sanitize_html('<p><b>fine</b> <i>markup</i> <a href="mailto:jobs@example.com">mail</a></p>')
    assert cleaned == ('<p><b>fine</b> <i>markup</i> <a href="mailto:jobs@example.com" '
                       'rel="noopener noreferrer nofollow">mail</a></p>')


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(st.lists(st.sampled_from(CORPUS + ["<p>", "</p>", "<a href='", "'>", "<b>", "\"", "<", ">", "&#x3C;",
                                          "javascript:", "<svg", " onload=", "<!--", "-->"]), min_size=1, max_size=8))
def test_spliced_payloads_are_neutralised(parts: list[str]) -> None:
    cleaned = sanitize_html("".join(parts)) or ""
    assert not html_problems(cleaned), ("".join(parts), cleaned)
