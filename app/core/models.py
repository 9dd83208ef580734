"""Base classes that key every tenant-owned table: primary key (agency_id, id), agency-carrying foreign keys."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core.ids import new_id
from app.extensions import db


class TenantModel(db.Model):
    """Base of every tenant-owned table: primary key (agency_id, id), scoped and stamped by the ORM."""

    __abstract__ = True

    agency_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True, sort_order=-100)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id, sort_order=-99)


class ClientScoped:
    """Marker: rows carry a client_id, and portal sessions see only their own client's rows."""

    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, sort_order=-98)


def tenant_fk(columns: str | list[str], table: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    """A foreign key to another tenant table that always includes agency_id."""
    cols = [columns] if isinstance(columns, str) else list(columns)
    return ForeignKeyConstraint(["agency_id", *cols], [f"{table}.agency_id", f"{table}.id"], ondelete=ondelete)
