"""Agencies (global), clients, and the base classes that key every tenant-owned table."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core.ids import new_id
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

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class TenantModel(db.Model):
    """Base of every tenant-owned table: primary key (agency_id, id), scoped and stamped by the ORM."""

    __abstract__ = True

    agency_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True, sort_order=-100
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id, sort_order=-99)


class ClientScoped:
    """Marker: rows carry a client_id, and portal sessions see only their own client's rows."""

    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, sort_order=-98)


def tenant_fk(columns: str | list[str], table: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    """A foreign key to another tenant table that always includes agency_id."""
    cols = [columns] if isinstance(columns, str) else list(columns)
    return ForeignKeyConstraint(
        ["agency_id", *cols], [f"{table}.agency_id", f"{table}.id"], ondelete=ondelete
    )


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
