"""Notification reads for the signed-in user: their list (newest first, keyset) and their unread count."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from app.core.errors import ValidationFailed
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.extensions import db
from app.notifications.models import KINDS, Notification

SORTS = ("newest", "oldest")


def own_notifications(user):
    """The user's own in-app notifications (email-only ones are never listed)."""
    return select(Notification).where(
        Notification.agency_id == user.agency_id, Notification.user_id == user.id, Notification.in_app.is_(True))


def unread_count(user) -> int:
    """One COUNT over the (agency_id, user_id, read_at, created_at) index: cheap enough for every page's navbar."""
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.agency_id == user.agency_id, Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def _cursor_values(cursor: str) -> tuple[datetime, uuid.UUID]:
    created, last_id = decode_cursor(cursor)
    try:
        created_at, last = datetime.fromisoformat(created), uuid.UUID(last_id)
        if created_at.tzinfo is None:
            raise ValueError
        return created_at, last
    except (ValueError, TypeError, AttributeError):
        raise ValidationFailed("The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]}) from None


def list_notifications(user, *, unread: bool = False, kind: str | None = None, sort: str = "newest",
                       limit: int | None = None, cursor: str | None = None) -> Page:
    """The user's notifications, newest first (or oldest), keyset-paged on (created_at, id)."""
    limit = min(max(int(limit or DEFAULT_LIMIT), 1), MAX_LIMIT)
    stmt = own_notifications(user)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    if kind in KINDS:
        stmt = stmt.where(Notification.kind == kind)
    newest = sort != "oldest"
    if cursor:
        created, last_id = _cursor_values(cursor)
        if newest:
            stmt = stmt.where(or_(Notification.created_at < created, and_(Notification.created_at == created, Notification.id < last_id)))
        else:
            stmt = stmt.where(or_(Notification.created_at > created, and_(Notification.created_at == created, Notification.id > last_id)))
    order = (Notification.created_at.desc(), Notification.id.desc()) if newest else (Notification.created_at, Notification.id)
    rows = db.session.scalars(stmt.order_by(*order).limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id])
    return Page(list(rows), next_cursor)
