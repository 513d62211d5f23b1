"""The two public steps of a promotion, independent of the web framework.

`request_promotion`: a validated form -> one mail with a signed single-use link (known domain), a
pending review (no known domain), or a rejection. `check_link` / `confirm`: read a link, and on POST use
it once and activate. Every rejection writes one `rejected` audit event and nothing else (a rate-limit
refusal: once per key and window). The web layer calls `throttle_client` first, then checks origin and CSRF,
then these.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.database import Database

from crawlerats.db.updates import key_only
from crawlerats.promote import mailer, store
from crawlerats.promote.addresses import AddressError, clean_name, email_domain, parse_email
from crawlerats.promote.config import PromoteConfig
from crawlerats.promote.domains import address_matches, is_free_mail, known_domains
from crawlerats.promote.ratelimit import RateLimits
from crawlerats.promote.tokens import (
    ConfirmClaim,
    TokenError,
    email_hash,
    ip_hash,
    new_id,
    read_confirm,
    sign_confirm,
)
from crawlerats.scoring.config import effective_config
from crawlerats.scoring.rescore import rescore_keys

logger = logging.getLogger(__name__)

Posting = tuple[str, str, str]
#: The form's fields; `website` is the honeypot (hidden from people, filled by naive bots).
HONEYPOT = "website"


@dataclass
class Outcome:
    """What the page should say: `kind` picks the message, `status` the HTTP status."""

    kind: str
    status: int = 200
    retry_after: int = 0
    email: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    promotion_id: str | None = None


def rescorer(scoring: Mapping[str, Any] | None):  # noqa: ANN201 - a store.Rescore
    config = dict(scoring) if scoring else effective_config()

    def rescore(db: Database, posting: Posting, now: datetime) -> None:
        rescore_keys(db, [posting], now, config)

    return rescore


class PromoteService:
    """The promote flow over one database with one config (shared by the web routes and the CLI)."""

    def __init__(self, db: Database, config: PromoteConfig, scoring: Mapping[str, Any] | None = None) -> None:
        self.db = db
        self.config = config
        self.limits = RateLimits(db, config.limits)
        self.rescore = rescorer(scoring)

    def job(self, posting: Posting) -> dict[str, Any] | None:
        return self.db["jobs"].find_one(key_only(posting), {"ats": 1, "company": 1, "company_name": 1,
                                                             "job_id": 1, "title": 1, "status": 1, "promotion": 1})

    def job_of_promotion(self, promotion_id: str) -> dict[str, Any] | None:
        promotion = store.get(self.db, promotion_id)
        return self.job(store.posting_of(promotion)) if promotion else None

    def reject(self, posting: Posting, reason: str, client_ip: str | None,
               outcome: Outcome | None = None) -> Outcome:
        """Write the one `rejected` audit event and return the outcome to show."""
        store.record_event(self.db, "rejected", posting, self.config.now(), reason=reason,
                           ip_hash=ip_hash(self.config.secret_key, client_ip))
        return outcome or Outcome("rejected", 400)

    def throttle(self, limit: str, key: str, posting: Posting, client_ip: str | None) -> Outcome | None:
        """Count one request against `limit` for `key`; a 429 outcome when over it (audited once per window)."""
        verdict = self.limits.hit(limit, key)
        if verdict.allowed:
            return None
        outcome = Outcome("limited", 429, verdict.retry_after)
        return self.reject(posting, f"rate limit {limit}", client_ip, outcome) if verdict.first_refusal else outcome

    def throttle_client(self, limit: str, posting: Posting, client_ip: str | None) -> Outcome | None:
        """The per-IP limits (`ip` for the form, `confirm_ip` for links), checked before anything else."""
        return self.throttle(limit, ip_hash(self.config.secret_key, client_ip), posting, client_ip)

    def request_promotion(self, posting: Posting, form: Mapping[str, str], client_ip: str | None,
                          base_url: str) -> Outcome:
        """A form that passed the web layer's IP limit, origin and CSRF checks -> mail, review or rejection."""
        secret = self.config.secret_key
        if form.get(HONEYPOT):
            return self.reject(posting, "honeypot", client_ip, Outcome("invalid", 400))
        job = self.job(posting)
        if job is None:
            return Outcome("missing", 404)
        if job.get("status") != "open":
            return self.reject(posting, "posting closed", client_ip, Outcome("closed", 409))
        errors: dict[str, str] = {}
        email = ""
        try:
            email = parse_email(form.get("email"))
        except AddressError as exc:
            errors["email"] = str(exc)
        if form.get("confirm_open") != "yes":
            errors["confirm_open"] = "Tick the box to confirm that you are hiring for this role and it is open."
        if errors:
            return self.reject(posting, "invalid form: " + ", ".join(sorted(errors)), client_ip,
                                Outcome("invalid", 400, errors=errors))
        name = clean_name(form.get("name"))
        domain = email_domain(email)
        if is_free_mail(domain):
            return self.reject(posting, "free-mail domain", client_ip, Outcome(
                "invalid", 400, errors={"email": "Use your work address at the company, not a free-mail one."}))
        known = known_domains(self.db, job)
        if known and not address_matches(domain, known):
            return self.reject(posting, "domain not known for the company", client_ip, Outcome(
                "invalid", 400, errors={"email": "This address is not at a domain we know for this company. "
                                                 "Use your work address at the company."}))
        hashed = email_hash(secret, email)
        for limit, key in (("posting", "/".join(posting)), ("email", hashed)):
            refused = self.throttle(limit, key, posting, client_ip)
            if refused is not None:
                return refused
        now = self.config.now()
        client = ip_hash(secret, client_ip)
        if not known:
            promotion_id = store.create_promotion(self.db, posting, email=email, email_hash=hashed, name=name,
                                                  status="pending_review", via="review", now=now, ip_hash=client)
            store.record_event(self.db, "requested", posting, now, promotion_id=promotion_id, ip_hash=client,
                               via="review")
            return Outcome("review", 202, promotion_id=promotion_id)
        promotion_id = store.create_promotion(self.db, posting, email=email, email_hash=hashed, name=name,
                                              status="mailed", via="email", now=now, ip_hash=client)
        store.record_event(self.db, "requested", posting, now, promotion_id=promotion_id, ip_hash=client, via="email")
        claim = ConfirmClaim(new_id(), posting, hashed, now + self.config.token_lifetime)
        store.create_token(self.db, claim.token_id, promotion_id, posting, hashed, now, claim.expires_at)
        link = f"{(self.config.public_url or base_url).rstrip('/')}/promote/confirm/{sign_confirm(secret, claim)}"
        message = mailer.build_message(self.config.mail_from, email, "Confirm your job listing on CrawlerATS",
                                       confirmation_text(job, link, self.config.token_hours))
        try:
            mailer.send(self.config.smtp_url, message)
        except mailer.MailError as exc:
            logger.error("Promotion %s: %s", promotion_id, exc)
            self.db[store.TOKENS].delete_one({"_id": claim.token_id})
            self.db[store.PROMOTIONS].delete_one({"_id": promotion_id})
            return self.reject(posting, "mail failed", client_ip, Outcome("mail_failed", 503))
        store.record_event(self.db, "mailed", posting, now, promotion_id=promotion_id, ip_hash=client)
        return Outcome("mailed", 200, email=email, promotion_id=promotion_id)

    def check_link(self, token: str) -> tuple[dict[str, Any] | None, str]:
        """(token record, "ok") for a usable link, else (None, why): `invalid`, `expired`, `used`, `closed`."""
        now = self.config.now()
        try:
            claim = read_confirm(self.config.secret_key, token, now)
        except TokenError as exc:
            return None, "expired" if "expired" in str(exc) else "invalid"
        record = store.find_token(self.db, claim.token_id)
        if record is None or store.posting_of(record) != claim.posting or record["email_hash"] != claim.email_hash:
            return None, "invalid"
        if record["expires_at"] <= now:
            return None, "expired"
        if record.get("used_at") is not None:
            return None, "used"
        job = self.job(claim.posting)
        if job is None or job.get("status") != "open":
            return None, "closed"
        return record, "ok"

    def confirm(self, token: str, client_ip: str | None) -> Outcome:
        """POST on a link (past the web layer's IP limit and CSRF checks): use it once, atomically, and
        activate its promotion."""
        secret = self.config.secret_key
        record, why = self.check_link(token)
        if record is None:
            return self.reject(("", "", ""), f"link {why}", client_ip,
                               Outcome(why, 410 if why != "invalid" else 400))
        posting = store.posting_of(record)
        now = self.config.now()
        if store.use_token(self.db, record["_id"], now) is None:
            return self.reject(posting, "link used", client_ip, Outcome("used", 410))
        result = store.activate(self.db, record["promotion_id"], now, self.config.promotion_length,
                                event="confirmed", rescore=self.rescore, ip_hash=ip_hash(secret, client_ip))
        if result == "activated":
            return Outcome("activated", 200, promotion_id=record["promotion_id"])
        return self.reject(posting, f"activation {result}", client_ip,
                            Outcome(result, 409 if result in ("already_active", "closed") else 400))


def confirmation_text(job: Mapping[str, Any], link: str, hours: int) -> str:
    title = " ".join(str(job.get("title") or "this job").split())[:200]
    company = " ".join(str(job.get("company_name") or job.get("company") or "").split())[:200]
    return (f"Someone (we hope you) asked to promote the listing \"{title}\" at {company} on CrawlerATS.\n\n"
            f"To confirm that you are hiring for this role and that it is open, open this link within {hours} "
            f"hours and press the \"Confirm\" button:\n\n{link}\n\n"
            "If you did not ask for this, ignore this mail: nothing happens unless the button is pressed.\n")
