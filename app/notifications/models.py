"""Notifications a user receives, and which kinds they want in the app and by email."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import ClientScoped, TenantModel, tenant_fk
from app.core.types import UTCDateTime, utcnow

KINDS = ("assigned", "mentioned", "client_commented", "status_changed")


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
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
