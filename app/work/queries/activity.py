"""Reads of a task's timeline: its activity in the order it happened (by instant, then id for a shared instant)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, and_, or_, select

from app.core.errors import ValidationFailed
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.core.visibility import sees_internal, visible_to
from app.extensions import db
from app.work.models import Activity, Task

PAGE_SIZE = 50
# Timeline entries a client sees: what happened to their request, never who worked on it internally.
CLIENT_TIMELINE_KINDS = (
    "created",
    "status_changed",
    "reopened",
    "commented",
    "attachment_added",
    "due_at_changed",
    "title_changed",
    "document_requested",
    "document_uploaded",
    "document_accepted",
    "document_rejected",
    "document_request_completed",
    "document_request_cancelled",
    "approval_requested",
    "approval_approved",
    "approval_rejected",
    "approval_withdrawn",
)


def timeline(task: Task, viewer) -> Select:
    """A select of the task's activity (unordered); client users see only client-visible entries of the kinds they are told about."""
    stmt = visible_to(select(Activity).where(Activity.task_id == task.id), Activity, viewer)
    return stmt if sees_internal(viewer) else stmt.where(Activity.kind.in_(CLIENT_TIMELINE_KINDS))


def _cursor(row: Activity) -> str:
    return encode_cursor([row.created_at.isoformat(), row.id])


def _position(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (instant, id) a cursor points at; a cursor that is not one of ours is a 422."""
    instant, last_id = decode_cursor(cursor)
    try:
        at = datetime.fromisoformat(instant)
        if at.tzinfo is None:
            raise ValueError
        return at, uuid.UUID(str(last_id))
    except (ValueError, TypeError):
        raise ValidationFailed("The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]}) from None


def oldest_first(task: Task, viewer, *, limit: int | None = None, cursor: str | None = None) -> Page:
    """A page of the timeline in the order things happened, after `cursor` (the API's order)."""
    limit = min(max(int(limit or DEFAULT_LIMIT), 1), MAX_LIMIT)
    stmt = timeline(task, viewer)
    if cursor:
        at, last_id = _position(cursor)
        stmt = stmt.where(or_(Activity.created_at > at, and_(Activity.created_at == at, Activity.id > last_id)))
    rows = list(db.session.scalars(stmt.order_by(Activity.created_at, Activity.id).limit(limit + 1)))
    if len(rows) <= limit:
        return Page(rows, None)
    return Page(rows[:limit], _cursor(rows[limit - 1]))


def newest_first(task: Task, viewer, *, before: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """A page of the timeline, latest first, older than `before` (the task page's order; a bad cursor starts over)."""
    stmt = timeline(task, viewer)
    if before:
        try:
            at, last_id = _position(before)
        except ValidationFailed:
            at = None
        if at is not None:
            stmt = stmt.where(or_(Activity.created_at < at, and_(Activity.created_at == at, Activity.id < last_id)))
    rows = list(db.session.scalars(stmt.order_by(Activity.created_at.desc(), Activity.id.desc()).limit(limit + 1)))
    if len(rows) <= limit:
        return Page(rows, None)
    return Page(rows[:limit], _cursor(rows[limit - 1]))
