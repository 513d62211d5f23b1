"""Credentials never leave the process: remove the password of every `scheme://user:password@host` URI from
text before it is logged, stored in a crawl record or stats file, or shown in an error message."""

from __future__ import annotations

import logging
import re
from typing import Any

#: `scheme://` then the user info up to the last `@` before the host (passwords may hold `@`, `:`, `%xx`).
_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s'\"]*)(?P<password>:[^/\s'\"]*)?@"
                       r"(?=[^@/\s'\"]*(?:[/\s'\"?]|$))", re.I)
MASK = "***"


def redact_text(text: str) -> str:
    """`text` with the password of every URI replaced by `***` (`mongodb://app:***@db:27017/`)."""
    if "://" not in text or "@" not in text:
        return text
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@" if m["password"] else m.group(0), text)


def redact(value: Any) -> Any:
    """`value` with every string in it redacted (dicts, lists and tuples walked)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: redact(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(item) for item in value)
    return value


class RedactingFilter(logging.Filter):
    """A handler filter that redacts each record's final message (and its traceback text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned is not message and cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


def install_log_redaction() -> None:
    """Add the filter to every root handler (Scrapy's console or LOG_FILE handler, Scrapyd's job log); idempotent."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
