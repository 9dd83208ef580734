"""Notification emails, sent once per notification by a job."""
from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from app.accounts.links import absolute_url
from app.accounts.localtime import as_recipient
from app.accounts.models import User
from app.core import mail
from app.core.types import utcnow
from app.extensions import db
from app.notifications.links import unsubscribe_url
from app.notifications.models import KIND_LABELS, Notification
from tenants.lookup import agency_by_id, get_in_tenant

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


def send_notification_email(notification_id) -> str:
    note = get_in_tenant(Notification, notification_id)
    if note is None:
        return "missing"
    if note.emailed_at is not None:
        return "skipped"
    user = db.session.scalar(select(User).where(User.id == note.user_id))
    if user is None or user.deactivated_at is not None or user.password_hash is None:
        return "skipped"
    agency = agency_by_id(note.agency_id)
    context = {
        "note": note, "user": user, "agency": agency, "url": absolute_url(note.url) if note.url else None,
        "kind_label": KIND_LABELS.get(note.kind, note.kind), "preferences_url": absolute_url(PREFERENCES_PATH),
        "intro": intro_for(note, user, agency.brand_name), "unsubscribe_url": unsubscribe_url(user, note.kind),
    }
    with as_recipient(user):  # any instant in the email reads on the recipient's clock, in their locale
        mail.send(user.email, note.title, render_template("email/notification.txt", **context),
                  render_template("email/notification.html", **context), headers=unsubscribe_headers(context["unsubscribe_url"]))
    note.emailed_at = utcnow()
    return "sent"
