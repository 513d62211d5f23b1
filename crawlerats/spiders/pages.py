"""HTML board and job pages as HTML selectors, whatever Content-Type the server sent.

Scrapy picks a response's selector type from its class: a page served as `application/json` or `text/plain` gets
a JSON selector (or one typed from the body), on which `.css()` / `.xpath()` raise "Cannot use css/xpath on a
Selector of type 'json'". A careers page must never crash its board that way, so spiders read HTML pages through
`html_page(response)` instead of `response.css` / `response.xpath` / `response.selector`.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import HtmlResponse, TextResponse
from scrapy.selector import Selector


def html_page(response: Any) -> Selector | None:
    """The response body as an HTML selector (cached `response.selector` for an HtmlResponse); None when the
    response carries no text at all (a binary `Response`), which the caller treats as "not an HTML page"."""
    if isinstance(response, HtmlResponse):
        return response.selector
    if not isinstance(response, TextResponse):
        return None
    return Selector(text=response.text or "<html/>", type="html", base_url=response.url)
