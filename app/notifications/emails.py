"""Notification emails, sent at most once per notification by a job, even when a worker is killed mid-send."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from flask import current_app, render_template
from sqlalchemy import or_, select, update

from app.accounts.links import absolute_url
from app.accounts.localtime import as_recipient
from app.accounts.models import User
from app.core import mail
from app.core.types import utcnow
from app.extensions import db
from app.notifications.links import unsubscribe_url
from app.notifications.models import KIND_LABELS, Notification
from tenants.lookup import agency_by_id, get_in_tenant

log = logging.getLogger(__name__)
# A notification whose sends keep failing before the hand-over (SMTP refusing it) is not tried for ever.
MAX_EMAIL_ATTEMPTS = 5

# Emails are rendered by a job with no request to build URLs from; this is the preferences page's path.
PREFERENCES_PATH = "/notifications/preferences"
# The email's first sentence per kind; client users read some kinds in their own words. A new kind adds its line.
INTROS = {
    "assigned": "You have been given a task.",
    "mentioned": "You were mentioned in a comment.",
    "client_commented": "A client commented on a task you follow.",
    "status_changed": "A task you follow changed status.",
    "agency_commented": "{agency} wrote to you about one of your requests.",
    "sla_at_risk": "A task is close to missing its SLA target.",
    "sla_breached": "A task has missed its SLA target.",
    "approval_requested": "Your approval is needed.",
    "approval_decided": "A client approved or rejected something on a task you follow.",
    "document_requested": "{agency} needs documents from you.",
    "document_uploaded": "A client uploaded a document you asked for.",
}
CLIENT_INTROS = {
    "status_changed": "One of your company's requests with {agency} changed status.",
}


def intro_for(note: Notification, user: User, agency_name: str) -> str:
    intros = {**INTROS, **CLIENT_INTROS} if user.is_client_user else INTROS
    return intros.get(note.kind, "Something happened in Backline.").format(agency=agency_name)


def unsubscribe_headers(url: str) -> dict[str, str]:
    """One-click unsubscribe (RFC 8058): mail clients POST `List-Unsubscribe=One-Click` to the link, signed out."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


class ClaimLost(Exception):
    """Another sender claimed the notification after this one's claim lapsed: this one must not hand it over."""


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["EMAIL_CLAIM_LEASE_SECONDS"])


def _claim(note: Notification) -> int | None:
    """Claim the notification for sending, in a committed step of its own; the attempt number, or None if taken.

    A claim younger than the lease belongs to a sender that may still be working; an older one to a sender that
    stopped before handing the message over (a hand-over is never reclaimed).
    """
    now = utcnow()
    claimed = db.session.execute(
        update(Notification)
        .where(
            Notification.agency_id == note.agency_id,
            Notification.id == note.id,
            Notification.emailed_at.is_(None),
            Notification.email_handed_at.is_(None),
            Notification.email_attempts < MAX_EMAIL_ATTEMPTS,
            or_(Notification.email_claimed_at.is_(None), Notification.email_claimed_at <= now - _lease()),
        )
        .values(email_claimed_at=now, email_attempts=Notification.email_attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    attempt = (
        db.session.scalar(select(Notification.email_attempts).where(Notification.agency_id == note.agency_id, Notification.id == note.id))
        if claimed
        else None
    )
    # Committed before any SMTP traffic: a retry after a crash must see that a send may be under way.
    db.session.commit()
    return attempt


def _mark(note_key: tuple, attempt: int, **values) -> bool:
    """Update the notification's sending state if this sender's claim still holds; committed at once."""
    agency_id, note_id = note_key
    changed = db.session.execute(
        update(Notification)
        .where(
            Notification.agency_id == agency_id, Notification.id == note_id, Notification.email_attempts == attempt, Notification.emailed_at.is_(None)
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(changed)


def _settled(note: Notification | None) -> str | None:
    """Why this notification is not to be sent now ("missing", "skipped", "uncertain"), or None when it may be."""
    if note is None:
        return "missing"
    if note.emailed_at is not None:
        return "skipped"
    if note.email_handed_at is not None:
        log.warning("notification %s: an earlier send was interrupted after the hand-over; not sent again", note.id)
        return "uncertain"
    return None


def _recipient(note: Notification) -> User | None:
    """The notification's user while they can still sign in (active, with a password); None otherwise."""
    user = db.session.scalar(select(User).where(User.id == note.user_id))
    if user is None or user.deactivated_at is not None or user.password_hash is None:
        return None
    return user


def _email_context(note: Notification, user: User) -> dict:
    agency = agency_by_id(note.agency_id)
    return {
        "note": note,
        "user": user,
        "agency": agency,
        "url": absolute_url(note.url) if note.url else None,
        "kind_label": KIND_LABELS.get(note.kind, note.kind),
        "preferences_url": absolute_url(PREFERENCES_PATH),
        "intro": intro_for(note, user, agency.brand_name),
        "unsubscribe_url": unsubscribe_url(user, note.kind),
    }


def send_notification_email(notification_id) -> str:
    """Email one notification: "sent", "skipped", "missing", "busy" (another sender holds it) or "uncertain".

    "uncertain": an earlier sender was stopped after handing the message to the SMTP server and before recording
    the answer; it may have been delivered, so it is not sent again (at most once).
    """
    note = get_in_tenant(Notification, notification_id)
    settled = _settled(note)
    if settled:
        return settled
    user = _recipient(note)
    if user is None:
        return "skipped"
    context = _email_context(note, user)
    address, subject = user.email, note.title
    with as_recipient(user):  # any instant in the email reads on the recipient's clock, in their locale
        text, html = render_template("email/notification.txt", **context), render_template("email/notification.html", **context)
    key = (note.agency_id, note.id)
    attempt = _claim(note)
    if attempt is None:
        return "busy"
    handed = False

    def hand_over():
        nonlocal handed
        if not _mark(key, attempt, email_handed_at=utcnow()):
            raise ClaimLost()
        handed = True

    try:
        mail.send(address, subject, text, html, headers=unsubscribe_headers(context["unsubscribe_url"]), before_data=hand_over)
    except ClaimLost:
        return "busy"
    except Exception as error:
        db.session.rollback()
        # The server refused the message (a reply to DATA other than 250), or the send failed before the
        # hand-over: nothing went out, so the claim is released for the retry. Otherwise the outcome is unknown.
        if not handed or isinstance(error, smtplib.SMTPResponseException):
            _mark(key, attempt, email_claimed_at=None, email_handed_at=None)
        raise
    _mark(key, attempt, emailed_at=utcnow())
    return "sent"


def resume_interrupted_emails() -> int:
    """Queue again the notification emails whose sender stopped before the hand-over and whose claim has lapsed."""
    from app.core import jobs
    from tenants.context import current_tenant

    agency_id = current_tenant().agency_id
    stale = db.session.scalars(
        select(Notification.id).where(
            Notification.emailed_at.is_(None),
            Notification.email_handed_at.is_(None),
            Notification.email_claimed_at <= utcnow() - _lease(),
            Notification.email_attempts < MAX_EMAIL_ATTEMPTS,
        )
    ).all()
    for note_id in stale:
        jobs.enqueue("worker.jobs.notifications.send_notification_email", agency_id=agency_id, notification_id=note_id)
    return len(stale)
