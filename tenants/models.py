"""Agencies (the one global table) and clients (the tenants whose data is isolated)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, String, UniqueConstraint, Uuid
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from app.core.ids import new_id
from app.core.models import TenantModel
from app.core.types import UTCDateTime, utcnow
from app.extensions import db


class Agency(db.Model):
    """An outsourcing agency: the SaaS customer. A global table (no agency_id of its own)."""

    __tablename__ = "agencies"
    __global_table__ = True

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    require_staff_2fa: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Branding, set by the agency's admins (app/accounts/branding.py validates every value).
    display_name: Mapped[str | None] = mapped_column(String(100))
    accent_colour: Mapped[str | None] = mapped_column(String(7))  # "#rrggbb"
    # Whether the portal names the staff member handling a request (and staff in its history), or says the agency.
    show_handler_to_clients: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    logo_key: Mapped[str | None] = mapped_column(String(255))  # a storage key, never a path
    logo_content_type: Mapped[str | None] = mapped_column(String(64))
    # Local time: the zone and locale of its staff (and of its clients' people) unless they choose their own.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en_GB", server_default="en_GB")

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def brand_name(self) -> str:
        """The name shown to people: the display name when set, else the legal name."""
        return self.display_name or self.name


class Client(TenantModel):
    """A client company of an agency: the tenant whose data is isolated from other clients."""

    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)
    id_param = "client_id"

    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
