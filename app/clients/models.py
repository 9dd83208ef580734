"""Which staff members serve which client."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import ClientScoped, TenantModel, tenant_fk
from app.core.types import UTCDateTime, utcnow


class ClientStaff(TenantModel, ClientScoped):
    """A staff member assigned to serve a client."""

    __tablename__ = "client_staff"
    __table_args__ = (
        UniqueConstraint("agency_id", "client_id", "user_id"),
        tenant_fk("client_id", "clients", ondelete="CASCADE"),
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        Index("ix_client_staff_agency_user", "agency_id", "user_id"),
    )
    id_param = "assignment_id"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, sort_order=-98)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
