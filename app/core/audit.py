"""The append-only audit log: who did what to which record, from where."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import JSON, Index, String, Uuid, event, func, select
from sqlalchemy.orm import Mapped, aliased, mapped_column

from app.core.models import ClientScoped, TenantModel, tenant_fk
from app.core.types import UTCDateTime, utcnow
from app.extensions import db


class AuditEvent(TenantModel, ClientScoped):
    """One recorded action. Rows are only ever inserted."""

    __tablename__ = "audit_events"
    __table_args__ = (
        tenant_fk("client_id", "clients"),
        Index("ix_audit_events_agency_at", "agency_id", "at"),
        Index("ix_audit_events_agency_action_at", "agency_id", "action", "at"),
        Index("ix_audit_events_agency_email_at", "agency_id", "actor_email", "at"),  # sign-in throttles
    )
    id_param = "audit_event_id"

    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_email: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


def request_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def current_actor() -> tuple[uuid.UUID | None, str | None]:
    if not has_request_context():
        return None, None
    from flask_login import current_user

    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.id, current_user.email
    return None, None


def record(
    action: str, target=None, *, target_type: str | None = None, target_id=None, actor_id=None, actor_email=None, client_id=None, **details
) -> AuditEvent:
    """Add an audit event to the current unit of work (it commits or rolls back with it)."""
    if target is not None:
        target_type = target_type or type(target).__tablename__
        target_id = target_id or target.id
    default_actor, default_email = current_actor()
    event_row = AuditEvent(
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id else None,
        actor_id=actor_id or default_actor,
        actor_email=actor_email or default_email,
        client_id=client_id,  # for portal users the tenant scoping stamps their client
        ip=request_ip(),
        details={k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in details.items()},
    )
    db.session.add(event_row)
    return event_row


def record_changes(target, values: dict, action: str, *, listed_as: str = "fields", **details) -> list[str]:
    """Compare submitted values with the object's, set the changed ones, and write one audit event listing what changed.

    Returns the changed field names, sorted; when nothing changed nothing is flushed or recorded. The event is
    `action` on `target` with the sorted names under `listed_as` plus `details`.
    """
    changed = sorted(key for key, value in values.items() if getattr(target, key) != value)
    for key in changed:
        setattr(target, key, values[key])
    if changed:
        db.session.flush()
        record(action, target, **{listed_as: changed}, **details)
    return changed


# --- reads ---------------------------------------------------------------------------------------


def audit_events(*, action=None, actor=None, target_id=None, since=None, until=None, page: int = 1, per_page: int = 50):
    """Newest first, filtered; offset pages are fine for a browsing screen over an indexed range."""
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action.like(f"{action}%"))
    if actor:
        stmt = stmt.where(AuditEvent.actor_email.like(f"%{actor.strip().lower()}%"))
    if target_id:
        stmt = stmt.where(AuditEvent.target_id == target_id.strip())
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    rows = list(db.session.scalars(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page


def audit_actions() -> list[str]:
    """The actions the agency's log holds, in order: a loose index scan, one index probe per action.

    A DISTINCT over the whole log reads every row (a million for a busy agency); the recursive query steps through
    ix_audit_events_agency_action_at from each action to the next instead.
    """
    # ORM entities (not the table), so the tenant scoping criteria apply to both parts of the recursion.
    first, step = aliased(AuditEvent), aliased(AuditEvent)
    found = select(func.min(first.action).label("action")).cte("actions", recursive=True)
    following = select(func.min(step.action)).where(step.action > found.c.action).scalar_subquery()
    found = found.union_all(select(following).where(found.c.action.is_not(None)))
    return list(db.session.scalars(select(found.c.action).where(found.c.action.is_not(None)).order_by(found.c.action)))
