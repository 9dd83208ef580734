"""Outgoing email: SMTP when MAIL_URL is set, otherwise .eml files under instance/mail/."""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from flask import current_app

from app.core.ids import new_id

log = logging.getLogger(__name__)


def build_message(to: str, subject: str, text: str, html: str | None = None, sender: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender or current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="backline.localhost")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
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


def send(to: str, subject: str, text: str, html: str | None = None, *, before_data=None) -> EmailMessage:
    """Deliver one message now (called from jobs, never from a request).

    `before_data()` runs once the server has taken sender and recipients, just before the message is handed over.
    """
    message = build_message(to, subject, text, html)
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
