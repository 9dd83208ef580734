"""Notification reads: the signed-in user's list (newest first, keyset) and unread count; whom an unsubscribe link names."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from app.accounts.models import User
from app.core.errors import NotFound, ValidationFailed
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.extensions import db
from app.notifications.links import read_unsubscribe_token
from app.notifications.models import KINDS, Notification, kinds_for
from tenants.context import TenantContext, set_tenant
from tenants.lookup import agency_by_id

SORTS = ("newest", "oldest")


def own_notifications(user):
    """The user's own in-app notifications (email-only ones are never listed)."""
    return select(Notification).where(Notification.agency_id == user.agency_id, Notification.user_id == user.id, Notification.in_app.is_(True))


def unread_count(user) -> int:
    """One COUNT over the (agency_id, user_id, read_at, created_at) index: cheap enough for every page's navbar."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.agency_id == user.agency_id, Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def _cursor_values(cursor: str) -> tuple[datetime, uuid.UUID]:
    created, last_id = decode_cursor(cursor)
    try:
        created_at, last = datetime.fromisoformat(created), uuid.UUID(last_id)
        if created_at.tzinfo is None:
            raise ValueError
        return created_at, last
    except (ValueError, TypeError, AttributeError):
        raise ValidationFailed("The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]}) from None


def list_notifications(
    user, *, unread: bool = False, kind: str | None = None, sort: str = "newest", limit: int | None = None, cursor: str | None = None
) -> Page:
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


def unsubscribe_target(token: str):
    """(user, kind) that a signed unsubscribe link names, under the user's agency; NotFound for anything else.

    Sets the request's tenant context to the token's agency (the link works signed out), so only that agency's
    users can be found: a token naming a user of another agency finds nobody.
    """
    parsed = read_unsubscribe_token(token)
    if parsed is None:
        raise NotFound("This unsubscribe link is not valid.")
    agency_id, user_id, kind = parsed
    agency = agency_by_id(agency_id)
    if agency is None or agency.is_suspended:
        raise NotFound("This unsubscribe link is not valid.")
    set_tenant(TenantContext(agency_id=agency.id))
    user = db.session.scalar(select(User).where(User.agency_id == agency.id, User.id == user_id))
    if user is None or kind not in kinds_for(user):
        raise NotFound("This unsubscribe link is not valid.")
    return agency, user, kind
