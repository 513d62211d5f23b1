"""Promotion settings: secret key, mail, public URL, durations and rate limits, read once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from limits import parse

from crawlerats.clock import now as clock_now

#: Default rate limits (`limits` notation): form submissions per client IP, confirmation POSTs per IP,
#: mails per address, and promotion requests per posting.
DEFAULT_LIMITS: dict[str, str] = {
    "ip": "5/hour",
    "confirm_ip": "20/hour",
    "email": "3/day",
    "posting": "10/day",
}
PROMOTION_DAYS = 30
TOKEN_HOURS = 24
#: How long a form's CSRF token stays valid.
FORM_SECONDS = 2 * 3600


class PromoteConfigError(ValueError):
    """A promotion setting is malformed (e.g. CRAWLERATS_PROMOTE_LIMITS)."""


def parse_limits(value: Any) -> dict[str, str]:
    """`"ip=5/hour;email=3/day"` (or a dict) merged over DEFAULT_LIMITS; unknown names are an error."""
    limits = dict(DEFAULT_LIMITS)
    if not value:
        return limits
    pairs = value.items() if isinstance(value, dict) else (
        part.split("=", 1) for part in str(value).split(";") if part.strip())
    for pair in pairs:
        name, rate = (str(x).strip() for x in pair) if len(pair) == 2 else ("", "")
        if name not in DEFAULT_LIMITS or not rate:
            raise PromoteConfigError(f"CRAWLERATS_PROMOTE_LIMITS: {pair!r} is not NAME=RATE with NAME one of "
                                     f"{', '.join(DEFAULT_LIMITS)}")
        try:
            parse(rate)
        except ValueError as exc:
            raise PromoteConfigError(f"CRAWLERATS_PROMOTE_LIMITS: {rate!r} is not a rate like 5/hour") from exc
        limits[name] = rate
    return limits


@dataclass(frozen=True)
class PromoteConfig:
    """Everything the promote flow needs besides the database."""

    secret_key: bytes
    smtp_url: str | None = None
    mail_from: str = "CrawlerATS <noreply@localhost>"
    #: Base of the links put in mails (e.g. https://jobs.example.org); None = the request's own origin.
    public_url: str | None = None
    limits: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    promotion_days: int = PROMOTION_DAYS
    token_hours: int = TOKEN_HOURS
    now: Callable[[], datetime] = clock_now

    @property
    def promotion_length(self) -> timedelta:
        return timedelta(days=self.promotion_days)

    @property
    def token_lifetime(self) -> timedelta:
        return timedelta(hours=self.token_hours)


def config_from_settings(settings: Any) -> PromoteConfig:
    """The promote config of a Scrapy `Settings` (CRAWLERATS_SECRET_KEY, CRAWLERATS_SMTP_URL, ...)."""
    from crawlerats.promote.secret import secret_key

    return PromoteConfig(
        secret_key=secret_key(settings),
        smtp_url=settings.get("CRAWLERATS_SMTP_URL") or None,
        mail_from=settings.get("CRAWLERATS_MAIL_FROM") or PromoteConfig.mail_from,
        public_url=(settings.get("CRAWLERATS_PUBLIC_URL") or "").rstrip("/") or None,
        limits=parse_limits(settings.get("CRAWLERATS_PROMOTE_LIMITS")),
        now=lambda: clock_now(settings),
    )
