"""Outgoing email: SMTP when MAIL_URL is set, otherwise .eml files under instance/mail/."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from flask import current_app, render_template
from markupsafe import Markup

from app.core.ids import new_id

log = logging.getLogger(__name__)


def sender_domain(sender: str) -> str:
    """The domain of the sender's address, so Message-IDs are ours to make unique (RFC 5322 section 3.6.4)."""
    domain = parseaddr(sender)[1].rpartition("@")[2].strip().lower()
    return domain or "localhost"


def html_document(subject: str, body: str) -> str:
    """An HTML fragment as a whole document (doctype, head with charset and the subject as title), as mail clients expect."""
    return render_template("email/document.html", subject=subject, body=Markup(body))


def build_message(
    to: str, subject: str, text: str, html: str | None = None, sender: str | None = None, headers: dict[str, str] | None = None
) -> EmailMessage:
    """One RFC 5322 message: Date, a Message-ID in the sender's domain and Auto-Submitted (RFC 3834) on every email.

    `html` is the body's fragment; it is sent as a whole document. `headers` adds headers of the caller's
    (List-Unsubscribe on notifications).
    """
    sender = sender or current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    # The moment it is sent, not a replayed instant (the demo plays history as_of the past).
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender_domain(sender))
    # Machine-sent: out-of-office and other auto-replies must not answer it (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html:
        message.add_alternative(html_document(subject, html), subtype="html")
    return message


def _with_hook(cls, before_data):
    """An SMTP class that calls `before_data()` just before the DATA command.

    The server accepts a message only at the end of DATA, so a sender that stops before this point has provably
    sent nothing; callers record the hand-over here to know whether a retry may send again.
    """
    if before_data is None:
        return cls

    class HookedSMTP(cls):
        def data(self, msg):
            before_data()
            return super().data(msg)

    return HookedSMTP


def _send_smtp(url: str, message: EmailMessage, before_data=None) -> None:
    parsed = urlparse(url)
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    secure = parsed.scheme == "smtps"
    port = parsed.port or (465 if secure else 25)
    host = parsed.hostname or "localhost"
    cls = _with_hook(smtplib.SMTP_SSL if secure else smtplib.SMTP, before_data)
    with cls(host, port, timeout=30) as smtp:
        if not secure and options.get("starttls", "").lower() in {"1", "true", "yes"}:
            smtp.starttls(context=ssl.create_default_context())
        if parsed.username:
            smtp.login(unquote(parsed.username), unquote(parsed.password or ""))
        smtp.send_message(message)


def send(to: str, subject: str, text: str, html: str | None = None, headers: dict[str, str] | None = None, *, before_data=None) -> EmailMessage:
    """Deliver one message now (called from jobs, never from a request).

    `before_data()` runs once the server has taken sender and recipients, just before the message is handed over.
    """
    message = build_message(to, subject, text, html, headers=headers)
    url = current_app.config.get("MAIL_URL")
    if url:
        _send_smtp(url, message, before_data)
        log.info("mail sent to %s: %s", to, subject)
    else:
        if before_data is not None:
            before_data()
        folder = Path(current_app.config["MAIL_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{new_id()}.eml"
        path.write_bytes(bytes(message))
        log.warning("mail to %s written to %s\n%s", to, path, text)
    return message
