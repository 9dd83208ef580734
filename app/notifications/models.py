"""Notifications a user receives, and which kinds they want in the app and by email."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, Uuid, true
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import ClientScoped, TenantModel, tenant_fk
from app.core.types import UTCDateTime, utcnow

KINDS = (
    "assigned",
    "mentioned",
    "client_commented",
    "status_changed",
    "agency_commented",
    "sla_at_risk",
    "sla_breached",
    "document_requested",
    "document_uploaded",
    "approval_requested",
    "approval_decided",
)
# Who can receive each kind: agency staff ("staff"), client users ("client") or both. A new kind declares its
# audience here; notify() never sends a kind to someone outside its audience and the preferences list only theirs.
STAFF, CLIENT = "staff", "client"
AUDIENCES = {
    "assigned": {STAFF},
    "mentioned": {STAFF},
    "client_commented": {STAFF},
    "status_changed": {STAFF, CLIENT},
    "agency_commented": {CLIENT},
    "sla_at_risk": {STAFF},
    "sla_breached": {STAFF},
    "document_requested": {CLIENT},
    "document_uploaded": {STAFF},
    "approval_requested": {CLIENT},
    "approval_decided": {STAFF},
}
# How each kind is named and explained on the preferences page, in the API and in the emails' footer.
KIND_LABELS = {
    "assigned": "Assigned to me",
    "mentioned": "Mentions",
    "client_commented": "Client comments",
    "status_changed": "Status changes",
    "agency_commented": "Replies from the agency",
    "sla_at_risk": "SLA warnings",
    "sla_breached": "SLA breaches",
    "approval_requested": "Approvals asked of me",
    "approval_decided": "Approval decisions",
    "document_requested": "Document requests",
    "document_uploaded": "Client uploads",
}
KIND_HELP = {
    "assigned": "Someone gives you a task, or a recurring task is created with you as its assignee.",
    "mentioned": "Someone mentions you by @name in a comment.",
    "client_commented": "A client user comments on a task you watch.",
    "status_changed": "A task you watch moves to another status (started, waiting on the client, done, reopened…).",
    "agency_commented": "The agency writes to your company on one of its requests.",
    "sla_at_risk": "A task assigned to you or in your queue has used most of its SLA time (first response or resolution).",
    "sla_breached": "A task assigned to you or in your queue has missed its SLA target.",
    "approval_requested": (
        "The agency asks you to approve something on a request (a payroll register, a shortlist, a filing draft), or no longer needs your approval."
    ),
    "approval_decided": "A client approves or rejects something on a task assigned to you or that you watch.",
    "document_requested": "Your agency asks for documents, turns one you sent back (with the reason), or reminds you of a due date.",
    "document_uploaded": "A client uploads a document asked for on a task you are assigned to or watch.",
}
# What a kind means to a client user, where it reads differently than for staff.
CLIENT_KIND_HELP = {
    "status_changed": "A request of your company moves on (started, waiting on you for an answer, done, reopened…).",
}


def audience_of(user) -> str:
    return CLIENT if user.is_client_user else STAFF


def kinds_for(user) -> tuple[str, ...]:
    """The kinds this user can receive, in KINDS order."""
    audience = audience_of(user)
    return tuple(kind for kind in KINDS if audience in AUDIENCES[kind])


def kind_help_for(user) -> dict:
    """Each kind's explanation as this user should read it."""
    return {**KIND_HELP, **CLIENT_KIND_HELP} if user.is_client_user else dict(KIND_HELP)


class Notification(TenantModel, ClientScoped):
    __tablename__ = "notifications"
    __table_args__ = (
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        Index("ix_notifications_user_unread", "agency_id", "user_id", "read_at", "created_at"),
    )
    id_param = "notification_id"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(32))
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # What the notification was about, as it read when it was sent (a notification is a message, not a live view).
    task_reference: Mapped[str | None] = mapped_column(String(24))
    client_name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    # False for an email-only notification: kept for the email job's text, never listed in the app.
    in_app: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sending is claimed (committed) before the SMTP session and the hand-over recorded (committed) just before DATA,
    # so a retry after a crash knows whether the first attempt may have gone out (see docs/scaling.md).
    email_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email_handed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationPreference(TenantModel, ClientScoped):
    """Per user and kind: in the app, by email. A missing row means both on."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("agency_id", "user_id", "kind"),
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
    )
    id_param = "notification_preference_id"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(32))
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
