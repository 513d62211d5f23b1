"""Signed values: the confirmation link's token, the per-form CSRF token, and keyed hashes (email, IP).

Every value is signed with the secret key (itsdangerous, HMAC-SHA1 over a salt per purpose, so a CSRF
token can never pass as a confirmation token); hashes are HMAC-SHA256 under the same key, so an address or
an IPv4 address cannot be recovered from the audit log by trying every candidate without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

from crawlerats.promote.config import FORM_SECONDS

Posting = tuple[str, str, str]


class TokenError(ValueError):
    """A token is forged, malformed, expired, or bound to something else."""


def keyed_hash(secret: bytes, purpose: str, value: str) -> str:
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def email_hash(secret: bytes, email: str) -> str:
    return keyed_hash(secret, "email", email.strip().lower())


def ip_hash(secret: bytes, ip: str | None) -> str:
    return keyed_hash(secret, "ip", ip or "unknown")


def new_id() -> str:
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class ConfirmClaim:
    """What a confirmation link says: which token record, for which posting and address, until when."""

    token_id: str
    posting: Posting
    email_hash: str
    expires_at: datetime


def sign_confirm(secret: bytes, claim: ConfirmClaim) -> str:
    body = {"t": claim.token_id, "p": list(claim.posting), "e": claim.email_hash,
            "x": int(claim.expires_at.timestamp())}
    return URLSafeSerializer(secret, salt="crawlerats.promote.confirm").dumps(body)


def read_confirm(secret: bytes, token: str, now: datetime) -> ConfirmClaim:
    """The claim of a confirmation token; TokenError if the signature is wrong or it has expired."""
    try:
        body = URLSafeSerializer(secret, salt="crawlerats.promote.confirm").loads(token)
        claim = ConfirmClaim(str(body["t"]), tuple(str(p) for p in body["p"]),  # type: ignore[arg-type]
                             str(body["e"]), datetime.fromtimestamp(int(body["x"]), UTC))
    except (BadData, KeyError, TypeError, ValueError) as exc:
        raise TokenError("invalid link") from exc
    if len(claim.posting) != 3:
        raise TokenError("invalid link")
    if claim.expires_at <= now:
        raise TokenError("expired link")
    return claim


def _csrf(secret: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="crawlerats.promote.csrf")


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def sign_form(secret: bytes, nonce: str, path: str) -> str:
    """The CSRF token of the form posting to `path`, for the browser holding `nonce` in its cookie."""
    return _csrf(secret).dumps({"n": nonce, "f": path})


def check_form(secret: bytes, token: str | None, nonce: str | None, path: str,
               max_age: int = FORM_SECONDS) -> None:
    """TokenError unless `token` is ours, recent, for this form, and for this browser's cookie nonce."""
    if not token or not nonce:
        raise TokenError("missing form token")
    try:
        body = _csrf(secret).loads(token, max_age=max_age)
    except BadData as exc:
        raise TokenError("invalid form token") from exc
    if not isinstance(body, dict) or body.get("f") != path \
            or not hmac.compare_digest(str(body.get("n")), nonce):
        raise TokenError("form token does not match this form")
