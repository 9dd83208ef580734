"""User, token and audit reads, narrowed to what the caller may see; the clients a user can belong to; sign-in history."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, func, or_, select

from app.accounts.models import ApiToken, User
from app.core.audit import AuditEvent
from app.core.errors import Forbidden
from app.core.pagination import keyset_page
from app.extensions import db
from tenants.context import as_agency, current_tenant
from tenants.lookup import agency_by_id, get_or_404
from tenants.models import Client


def visible_users(actor: User) -> Select:
    """Agency admins see every user; client admins their own company's users."""
    if actor.is_agency_admin:
        return select(User)
    if actor.role == "client_admin":
        return select(User).where(User.client_id == actor.client_id)
    raise Forbidden("You do not have permission to see users.")


def user_for(actor: User, user_id) -> User:
    visible_users(actor)
    user = get_or_404(User, user_id)
    if actor.role == "client_admin" and user.client_id != actor.client_id:
        from app.core.errors import NotFound

        raise NotFound()
    return user


def list_users(actor: User, *, q=None, role=None, client_id=None, status=None, limit=None, cursor=None):
    stmt = visible_users(actor)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    if role:
        stmt = stmt.where(User.role == role)
    if client_id == "none":
        stmt = stmt.where(User.client_id.is_(None))
    elif client_id:
        stmt = stmt.where(User.client_id == client_id)
    if status == "active":
        stmt = stmt.where(User.deactivated_at.is_(None), User.password_hash.is_not(None))
    elif status == "invited":
        stmt = stmt.where(User.deactivated_at.is_(None), User.password_hash.is_(None))
    elif status == "deactivated":
        stmt = stmt.where(User.deactivated_at.is_not(None))
    return keyset_page(stmt, User.email, User.id, limit=limit, cursor=cursor)


def active_staff() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role.in_(("agency_admin", "staff")), User.deactivated_at.is_(None)).order_by(User.name)))


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())))


def token_for(actor: User, token_id) -> ApiToken:
    token = get_or_404(ApiToken, token_id)
    if token.user_id != actor.id and not actor.is_agency_admin:
        from app.core.errors import NotFound

        raise NotFound()
    return token


def names_for_clients(ids) -> dict:
    """Names of people as a client user may see them: their own company's people by name, agency staff by name only
    when the agency shows the handler's name to clients (else as the agency's display name)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    with as_agency():  # staff are outside a client user's scope: their names only
        rows = db.session.execute(select(User.id, User.name, User.client_id).where(User.id.in_(ids))).all()
    agency = agency_by_id(current_tenant().agency_id)
    if agency is None or agency.show_handler_to_clients:
        return {user_id: name for user_id, name, _ in rows}
    label = agency.display_name or agency.name
    return {user_id: name if client_id is not None else label for user_id, name, client_id in rows}


def clients_to_choose(*, status: str = "active", limit: int = 200) -> list[Client]:
    """The agency's clients by name, for an agency admin choosing or filtering a client user's company."""
    stmt = select(Client)
    if status == "active":
        stmt = stmt.where(Client.archived_at.is_(None))
    elif status == "archived":
        stmt = stmt.where(Client.archived_at.is_not(None))
    return keyset_page(stmt, Client.name, Client.id, limit=limit, cursor=None).items


# --- sign-in history, read from the audit log (see app.accounts.throttle) ------------------------


def security_event_times(agency_id: uuid.UUID, email: str, actions: tuple[str, ...], since: datetime, *, ip: str | None = None) -> list[datetime]:
    """When `email` had these security events since `since` (from one address when `ip` is given), oldest first."""
    stmt = select(AuditEvent.at).where(
        AuditEvent.agency_id == agency_id,
        AuditEvent.actor_email == email,
        AuditEvent.action.in_(actions),
        AuditEvent.at >= since,
    )
    if ip is not None:
        stmt = stmt.where(AuditEvent.ip == ip)
    return list(db.session.scalars(stmt.order_by(AuditEvent.at)))


def last_sign_in_at(agency_id: uuid.UUID, email: str, since: datetime, ip: str | None = None) -> datetime | None:
    """The latest completed sign-in of `email` since `since` (from one address when `ip` is given), if any."""
    stmt = select(func.max(AuditEvent.at)).where(
        AuditEvent.agency_id == agency_id,
        AuditEvent.actor_email == email,
        AuditEvent.action == "auth.signed_in",
        AuditEvent.at >= since,
    )
    if ip is not None:
        stmt = stmt.where(AuditEvent.ip == ip)
    return db.session.scalar(stmt)
