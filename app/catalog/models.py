"""Service lines, task types (with checklist templates and custom-field definitions) and client services."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import ClientScoped, TenantModel, tenant_fk
from app.core.types import UTCDateTime, utcnow

PRIORITIES = ("urgent", "high", "normal", "low")
FIELD_TYPES = ("text", "number", "money", "date", "choice", "yes_no")


class ServiceLine(TenantModel):
    """A line of service the agency sells (Bookkeeping, Payroll, ...); its code prefixes task numbers."""

    __tablename__ = "service_lines"
    __table_args__ = (UniqueConstraint("agency_id", "code"), UniqueConstraint("agency_id", "name"))
    id_param = "service_line_id"

    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaskType(TenantModel):
    """A kind of task within a service line, with its defaults, checklist template and custom fields.

    checklist_template: [{"title": str, "required": bool}]
    custom_fields: [{"key": str, "label": str, "type": one of FIELD_TYPES, "required": bool, "choices": [str]}]
    """

    __tablename__ = "task_types"
    __table_args__ = (
        UniqueConstraint("agency_id", "service_line_id", "name"),
        tenant_fk("service_line_id", "service_lines"),
        tenant_fk("default_queue_id", "queues"),
    )
    id_param = "task_type_id"

    service_line_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    default_queue_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    default_priority: Mapped[str] = mapped_column(String(16), default="normal")
    expected_minutes: Mapped[int | None] = mapped_column(Integer)
    checklist_template: Mapped[list] = mapped_column(JSON, default=list)
    custom_fields: Mapped[list] = mapped_column(JSON, default=list)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClientService(TenantModel, ClientScoped):
    """A service line a client has bought from the agency."""

    __tablename__ = "client_services"
    __table_args__ = (
        UniqueConstraint("agency_id", "client_id", "service_line_id"),
        tenant_fk("client_id", "clients", ondelete="CASCADE"),
        tenant_fk("service_line_id", "service_lines", ondelete="CASCADE"),
    )
    id_param = "client_service_id"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, sort_order=-98)
    service_line_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
