"""Business calendars, client holidays, versioned SLA policies with their matching rules, and SLA events."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, Index, Integer, SmallInteger, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import ClientScoped, TenantModel, tenant_fk
from app.core.types import UTCDateTime, utcnow

METRICS = ("first_response", "resolution")
EVENT_KINDS = ("at_risk", "breached")


class SlaCalendar(TenantModel):
    """When the agency's clocks run: an IANA zone, weekly opening hours and holidays (custom and public)."""

    __tablename__ = "sla_calendars"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)
    id_param = "calendar_id"

    name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    # {"mon": [["09:00", "12:30"], ["13:30", "17:30"]], ...} or "24x7"
    hours: Mapped[dict | str] = mapped_column(JSON)
    holidays: Mapped[list] = mapped_column(JSON, default=list)  # ISO dates
    country: Mapped[str | None] = mapped_column(String(8))
    subdivision: Mapped[str | None] = mapped_column(String(16))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def spec(self, extra_holidays=()) -> dict:
        return {
            "timezone": self.timezone,
            "hours": self.hours,
            "holidays": sorted({*(self.holidays or []), *(d.isoformat() for d in extra_holidays)}),
            "country": self.country,
            "subdivision": self.subdivision,
        }


class ClientHoliday(TenantModel, ClientScoped):
    """A day a client is closed (its own holiday); its tasks' clocks do not run on it."""

    __tablename__ = "sla_client_holidays"
    __table_args__ = (UniqueConstraint("agency_id", "client_id", "day"), tenant_fk("client_id", "clients"))
    id_param = "client_holiday_id"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, sort_order=-98)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlaPolicy(TenantModel):
    """A named promise; its terms live in immutable versions so past tasks keep the targets they started with."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)
    id_param = "policy_id"

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlaPolicyVersion(TenantModel):
    """One version of a policy's terms: calendar, per-priority targets in business minutes, at-risk threshold.

    targets: {"urgent": {"first_response": 60, "resolution": 480}, ...}; a missing or null target means no clock.
    """

    __tablename__ = "sla_policy_versions"
    __table_args__ = (
        UniqueConstraint("agency_id", "policy_id", "version"),
        tenant_fk("policy_id", "sla_policies", ondelete="CASCADE"),
        tenant_fk("calendar_id", "sla_calendars"),
    )
    id_param = "policy_version_id"

    policy_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    calendar_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    targets: Mapped[dict] = mapped_column(JSON)
    at_risk_percent: Mapped[int] = mapped_column(SmallInteger, default=75)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def target(self, priority: str, metric: str) -> int | None:
        value = (self.targets or {}).get(priority, {}).get(metric)
        return int(value) if value else None


class SlaRule(TenantModel):
    """Which policy applies: to a client and task type, a client, a task type, or (neither) the agency default.

    `match_key` makes the four kinds of rule unique per agency without relying on NULLs in a unique key.
    """

    __tablename__ = "sla_rules"
    __table_args__ = (
        UniqueConstraint("agency_id", "match_key"),
        tenant_fk("policy_id", "sla_policies", ondelete="CASCADE"),
        tenant_fk("client_id", "clients", ondelete="CASCADE"),
        tenant_fk("task_type_id", "task_types", ondelete="CASCADE"),
    )
    id_param = "rule_id"

    policy_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    task_type_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    match_key: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def key_for(client_id, task_type_id) -> str:
        return f"{client_id or '*'}:{task_type_id or '*'}"


class SlaEvent(TenantModel, ClientScoped):
    """A clock crossing its at-risk or due instant, recorded once per task, metric and kind, at its true time."""

    __tablename__ = "sla_events"
    __table_args__ = (
        UniqueConstraint("agency_id", "task_id", "metric", "kind"),
        tenant_fk("task_id", "tasks", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        Index("ix_sla_events_occurred", "agency_id", "kind", "occurred_at"),
    )
    id_param = "sla_event_id"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, sort_order=-98)
    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, sort_order=-97)
    metric: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
