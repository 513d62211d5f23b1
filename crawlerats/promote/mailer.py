"""Send the confirmation mail over SMTP (`smtp://` + STARTTLS, `smtps://` implicit TLS), or, with no
CRAWLERATS_SMTP_URL, write the link to the log with a clear "mail not configured" line."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger("crawlerats.promote.mail")


class MailError(RuntimeError):
    """The SMTP URL is malformed or the server refused the message."""


def build_message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message; the strict SMTP policy refuses CR/LF in any header."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="crawlerats.local")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def send(smtp_url: str | None, message: EmailMessage, *, timeout: float = 20.0,
         tls_context: ssl.SSLContext | None = None) -> bool:
    """Send `message`; returns False (and logs the body) when no SMTP URL is configured.

    The server's certificate is always verified: against the system CAs, or `?cafile=/path/ca.pem` on the URL.
    """
    if not smtp_url:
        logger.warning("mail not configured (set CRAWLERATS_SMTP_URL): message for %s not sent; it reads:\n%s",
                       message["To"], message.get_content())
        return False
    parts = urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError("CRAWLERATS_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465")
    cafile = parse_qs(parts.query).get("cafile", [None])[0]
    context = tls_context or ssl.create_default_context(cafile=cafile)
    port = parts.port or (465 if parts.scheme == "smtps" else 587)
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(parts.hostname, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(parts.hostname, port, timeout=timeout)
        with client:
            if parts.scheme == "smtp":
                client.starttls(context=context)
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"sending to {parts.hostname}:{port} failed: {exc}") from exc
    return True
