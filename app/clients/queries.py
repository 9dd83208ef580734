"""Client reads, narrowed to what the caller may see (staff: the clients they serve)."""

from __future__ import annotations

from sqlalchemy import Exists, Select, exists, func, or_, select

from app.accounts.models import User
from app.clients.models import ClientStaff
from app.core.errors import NotFound
from app.core.pagination import keyset_page
from app.extensions import db
from tenants.lookup import get_or_404, note_foreign_id
from tenants.models import Client


def _serving(user_id, client_id) -> tuple:
    return ClientStaff.user_id == user_id, ClientStaff.client_id == client_id


def serving(user_id, client_id) -> Exists:
    """The condition that the staff member serves the client, for a select: either side a value or a column."""
    return exists().where(*_serving(user_id, client_id))


def serves(user_id, client_id) -> bool:
    """Whether the staff member serves the client (is on its team): what lets staff act for a client."""
    return db.session.scalar(select(ClientStaff.id).where(*_serving(user_id, client_id)).limit(1)) is not None


def clients_served(user_id) -> list:
    """The ids of the clients the staff member serves."""
    return list(db.session.scalars(select(ClientStaff.client_id).where(ClientStaff.user_id == user_id)))


def clients_served_by(user_ids) -> dict:
    """{staff member id: the ids of the clients they serve} for many staff members, in one statement."""
    served: dict = {}
    for user_id, client_id in db.session.execute(select(ClientStaff.user_id, ClientStaff.client_id).where(ClientStaff.user_id.in_(list(user_ids)))):
        served.setdefault(user_id, set()).add(client_id)
    return served


def visible_clients(actor: User) -> Select:
    """Admins see every client; staff the clients they serve; client users their own."""
    stmt = select(Client)
    if actor.role == "staff":
        stmt = stmt.where(serving(actor.id, Client.id))
    return stmt


def client_for(actor: User, client_id) -> Client:
    client = get_or_404(Client, client_id)
    if actor.role == "staff" and not serves(actor.id, client.id):
        note_foreign_id(Client, client_id)
        raise NotFound()
    return client


def list_clients(actor: User, *, q: str | None = None, status: str | None = "active", limit=None, cursor=None):
    stmt = visible_clients(actor)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Client.name).like(like), func.lower(Client.legal_name).like(like)))
    if status == "active":
        stmt = stmt.where(Client.archived_at.is_(None))
    elif status == "archived":
        stmt = stmt.where(Client.archived_at.is_not(None))
    return keyset_page(stmt, Client.name, Client.id, limit=limit, cursor=cursor)


def staff_of(client: Client) -> list[User]:
    return list(
        db.session.scalars(
            select(User).join(ClientStaff, ClientStaff.user_id == User.id).where(ClientStaff.client_id == client.id).order_by(User.name)
        )
    )


def client_user_counts() -> dict:
    rows = db.session.execute(
        select(User.client_id, func.count()).where(User.client_id.is_not(None), User.deactivated_at.is_(None)).group_by(User.client_id)
    )
    return dict(rows.all())


def staff_counts() -> dict:
    return dict(db.session.execute(select(ClientStaff.client_id, func.count()).group_by(ClientStaff.client_id)).all())


def users_of(client: Client) -> list[User]:
    """The client's users, by name."""
    return list(db.session.scalars(select(User).where(User.client_id == client.id).order_by(User.name)))
