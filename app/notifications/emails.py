"""Notification emails, sent once per notification by a job."""
from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from app.accounts.links import absolute_url
from app.accounts.models import User
from app.core import mail
from app.core.types import utcnow
from app.extensions import db
from app.notifications.models import KIND_LABELS, Notification
from tenants.lookup import agency_by_id, get_in_tenant

# Emails are rendered by a job with no request to build URLs from; this is the preferences page's path.
PREFERENCES_PATH = "/notifications/preferences"


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
    }
    mail.send(user.email, note.title, render_template("email/notification.txt", **context),
              render_template("email/notification.html", **context))
    note.emailed_at = utcnow()
    return "sent"
