"""Form input: one RFC-valid work email address (no header injection) and an optional, capped name."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

MAX_EMAIL = 254
MAX_NAME = 80
#: Anything that could end a mail header or list several recipients is refused outright, before parsing.
_FORBIDDEN = re.compile(r"[\r\n\x00,;<>\"]")


class AddressError(ValueError):
    """The email field is not one plain, valid address."""


def parse_email(raw: str | None) -> str:
    """The normalized address (domain lower-cased); AddressError for anything else."""
    value = (raw or "").strip()
    if not value:
        raise AddressError("Enter your work email address.")
    if len(value) > MAX_EMAIL or _FORBIDDEN.search(value) or value.count("@") != 1:
        raise AddressError("Enter one plain email address, like jane@company.com.")
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False,
                                allow_quoted_local=False, allow_domain_literal=False, allow_display_name=False)
    except EmailNotValidError as exc:
        raise AddressError("Enter one plain email address, like jane@company.com.") from exc
    return str(result.normalized)


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[1].lower()


def clean_name(raw: str | None) -> str | None:
    """The optional name: control characters and surrounding space removed, at most MAX_NAME characters."""
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in (raw or ""))
    text = " ".join(text.split())[:MAX_NAME]
    return text or None
