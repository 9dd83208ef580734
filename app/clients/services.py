"""Client writes: create, edit, archive, restore, and assigning staff to clients."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.clients.models import ClientStaff
from app.core import audit
from app.core.errors import Conflict, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from tenants.lookup import get_in_tenant
from tenants.models import Client

EDITABLE = ("name", "legal_name", "contact_email", "timezone")


def _clean(values: dict) -> dict:
    from zoneinfo import available_timezones

    cleaned = {}
    for key in EDITABLE:
        if key not in values:
            continue
        value = values[key]
        value = value.strip() if isinstance(value, str) else value
        cleaned[key] = value or None
    if "name" in cleaned and not cleaned["name"]:
        raise ValidationFailed("A client needs a name.", fields={"name": ["Required."]})
    if cleaned.get("timezone") and cleaned["timezone"] not in available_timezones():
        raise ValidationFailed("Unknown time zone.", fields={"timezone": ["Use an IANA zone such as Europe/London."]})
    if "timezone" in cleaned and not cleaned["timezone"]:
        cleaned["timezone"] = "UTC"
    if cleaned.get("contact_email"):
        from app.accounts.services import normalise_email

        cleaned["contact_email"] = normalise_email(cleaned["contact_email"], field="contact_email")
    return cleaned


def _ensure_unique_name(name: str, exclude_id=None) -> None:
    stmt = select(Client.id).where(Client.name == name)
    if exclude_id is not None:
        stmt = stmt.where(Client.id != exclude_id)
    if db.session.scalar(stmt):
        raise Conflict("A client with that name already exists.", fields={"name": ["Already in use."]})


def create_client(values: dict) -> Client:
    cleaned = _clean(values)
    if "name" not in cleaned:
        raise ValidationFailed("A client needs a name.", fields={"name": ["Required."]})
    _ensure_unique_name(cleaned["name"])
    client = Client(**cleaned)
    db.session.add(client)
    db.session.flush()
    audit.record("client.created", client, client_id=client.id, name=client.name)
    return client


def update_client(client: Client, values: dict) -> Client:
    cleaned = _clean(values)
    if "name" in cleaned:
        _ensure_unique_name(cleaned["name"], exclude_id=client.id)
    audit.record_changes(client, cleaned, "client.updated", client_id=client.id)
    return client


def archive_client(client: Client) -> Client:
    if client.archived_at is None:
        client.archived_at = utcnow()
        audit.record("client.archived", client, client_id=client.id)
    return client


def restore_client(client: Client) -> Client:
    if client.archived_at is not None:
        client.archived_at = None
        audit.record("client.restored", client, client_id=client.id)
    return client


def set_client_staff(client: Client, staff_ids: list) -> list[User]:
    """Make exactly these staff members serve `client`; returns the new list."""
    wanted = set()
    for raw in staff_ids:
        user = get_in_tenant(User, raw)
        if user is None or not user.is_agency_user or user.deactivated_at is not None:
            raise ValidationFailed("Choose active agency staff.", fields={"staff_ids": [f"Unknown staff member {raw}."]})
        wanted.add(user.id)
    current = {row.user_id: row for row in db.session.scalars(select(ClientStaff).where(ClientStaff.client_id == client.id))}
    for user_id in wanted - current.keys():
        db.session.add(ClientStaff(client_id=client.id, user_id=user_id))
        audit.record("client.staff_assigned", client, client_id=client.id, user_id=user_id)
    for user_id in current.keys() - wanted:
        db.session.delete(current[user_id])
        audit.record("client.staff_unassigned", client, client_id=client.id, user_id=user_id)
    db.session.flush()
    return list(db.session.scalars(select(User).where(User.id.in_(wanted)).order_by(User.name))) if wanted else []
