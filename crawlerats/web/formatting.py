"""Jinja2 filters: dates as "March 17, 2026" and "3 days ago", "—" for unknown values, salaries, safe links, risk
labels."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Undefined
from markupsafe import Markup

from crawlerats import clock
from crawlerats.normalize.html import sanitize_html
from crawlerats.web.queries import EMPLOYMENT_TYPES, RISK_LABELS, WORKPLACES
from crawlerats.web.salary import salary_text

DASH = "—"


def _blank(value: Any) -> bool:
    return value is None or isinstance(value, Undefined) or (isinstance(value, str) and not value.strip()) or value == [] or value == {}


def dash(value: Any) -> Any:
    """The value, or "—" when it is unknown (never "None")."""
    return DASH if _blank(value) else value


def finalize(value: Any) -> Any:
    """Applied to every `{{ expression }}`: unknown values print as "—", never "None" or nothing."""
    return DASH if value is None or isinstance(value, Undefined) else value


def as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            return as_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def nice_date(value: Any) -> str:
    """ "March 17, 2026" (UTC), or "—"."""
    moment = as_datetime(value)
    if moment is None:
        return DASH
    moment = moment.astimezone(UTC)
    return f"{moment:%B} {moment.day}, {moment.year}"


def ago(value: Any, now: datetime | None = None) -> str:
    """ "today", "yesterday", "3 days ago", "2 weeks ago", "5 months ago", "2 years ago" (UTC days)."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    days = ((now or clock.now()).astimezone(UTC).date() - moment.astimezone(UTC).date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    for size, unit in ((365, "year"), (30, "month"), (14, "week")):
        if days >= (size if unit != "week" else 14):
            n = days // (size if unit != "week" else 7)
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return f"{days} days ago"


def employment(value: Any, raw: Any = None) -> str:
    """ "Full-time" for a known type, else the ATS's own words when readable, else ""."""
    if value in EMPLOYMENT_TYPES:
        return EMPLOYMENT_TYPES[value]
    if isinstance(raw, str) and raw.strip() and "_" not in raw:
        return raw.strip()
    return ""


def iso(value: Any) -> str:
    moment = as_datetime(value)
    return moment.astimezone(UTC).isoformat() if moment else ""


def number(value: Any) -> str:
    if _blank(value) or not isinstance(value, int | float):
        return DASH
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def percent(value: Any) -> str:
    if _blank(value) or not isinstance(value, int | float):
        return DASH
    return f"{value:.0f}%"


def risk_label(risk: Any, label: Any = None) -> str:
    if isinstance(label, str) and label.strip():
        return label
    return RISK_LABELS.get(str(risk), "Not scored")


def risk_class(risk: Any) -> str:
    return f"risk-{risk}" if risk in RISK_LABELS else "risk-none"


def workplace(value: Any) -> str:
    return WORKPLACES.get(str(value), DASH)


def safe_url(value: Any) -> str | None:
    """Only absolute http(s) URLs become links (no `javascript:`, `data:` or relative tricks)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def job_path(doc: Mapping[str, Any], ats: str | None = None, company: str | None = None) -> str:
    """`/jobs/<ats>/<company>/<job_id>`; company ids may contain "/" (Workday `tenant.wdN/site`)."""
    return "/jobs/{}/{}/{}".format(quote(str(ats or doc.get("ats")), safe=""),
                                   quote(str(company or doc.get("company")), safe="/"),
                                   quote(str(doc.get("job_id")), safe=""))


def company_path(ats: Any, company: Any) -> str:
    return f"/companies/{quote(str(ats), safe='')}/{quote(str(company), safe='/')}"


def description(value: Any) -> Markup:
    """The stored sanitised description, cleaned again with the same allow-list before it is inserted."""
    cleaned = sanitize_html(value) if isinstance(value, str) else None
    return Markup(cleaned or "")  # noqa: S704 - nh3 allow-list output


def evidence(value: Any) -> str:
    """A signal's evidence as text (it may be a string, a number, a list or a mapping)."""
    if _blank(value):
        return DASH
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {evidence(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(evidence(v) for v in value)
    if isinstance(value, datetime | date):
        return nice_date(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def yes_no(value: Any) -> str:
    if value is None:
        return DASH
    return "Yes" if value else "No"


FILTERS = {
    "dash": dash, "nice_date": nice_date, "iso": iso, "number": number, "percent": percent,
    "risk_class": risk_class, "workplace": workplace, "safe_url": safe_url, "description": description,
    "evidence": evidence, "yes_no": yes_no, "ago": ago, "salary": salary_text,
}
GLOBALS = {"employment": employment, "risk_label": risk_label, "job_path": job_path, "company_path": company_path, "DASH": DASH}
