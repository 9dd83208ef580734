"""Resolving agencies by slug and loading tenant rows by id with explicit filters."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text

from app.core.errors import NotFound
from app.core.models import ClientScoped, TenantModel
from app.extensions import db
from tenants import security
from tenants.context import current_tenant
from tenants.models import Agency, Client
from tenants.scoping import unscoped


def agency_by_slug(slug: str | None) -> Agency | None:
    if not slug:
        return None
    return db.session.scalar(select(Agency).where(Agency.slug == slug.strip().lower()))


def agency_by_id(agency_id) -> Agency | None:
    agency_uuid = _as_uuid(agency_id)
    if agency_uuid is None:
        return None
    # By primary key: the session's identity map answers repeat look-ups within a unit of work (the loader, the
    # viewer's clock, the page) without a statement; a commit or rollback expires it, so the next one reads again.
    return db.session.get(Agency, agency_uuid)


def _as_uuid(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def scoped_by_id(model: type[TenantModel], obj_id):
    """A select of one row by id, filtered explicitly by the current tenant (not only by the session event)."""
    ctx = current_tenant()
    obj_uuid = _as_uuid(obj_id)
    if ctx is None or obj_uuid is None:
        return None
    stmt = select(model).where(model.agency_id == ctx.agency_id, model.id == obj_uuid)
    if ctx.client_id is not None:
        if model is Client:
            stmt = stmt.where(Client.id == ctx.client_id)
        elif issubclass(model, ClientScoped):
            stmt = stmt.where(model.client_id == ctx.client_id)
    return stmt


def get_in_tenant(model: type[TenantModel], obj_id):
    """The row of the current tenant with this id, or None."""
    stmt = scoped_by_id(model, obj_id)
    return db.session.scalar(stmt) if stmt is not None else None


def get_or_404(model: type[TenantModel], obj_id):
    """The row of the current tenant with this id; 404 otherwise, logging probes of other tenants' ids."""
    obj = get_in_tenant(model, obj_id)
    if obj is None:
        note_foreign_id(model, obj_id)
        raise NotFound()
    return obj


def row_owner(model: type[TenantModel], obj_id) -> tuple[uuid.UUID, uuid.UUID | None] | None:
    """Which agency (and client) a row belongs to, whatever the current tenant. For logging only."""
    obj_uuid = _as_uuid(obj_id)
    if obj_uuid is None:
        return None
    table = model.__table__
    if db.engine.dialect.name == "postgresql":
        # A SECURITY DEFINER function owned by the schema owner: the application role cannot read it otherwise.
        row = db.session.execute(
            text("SELECT agency_id, client_id FROM backline_row_owner(CAST(:tbl AS regclass), :id)"),
            {"tbl": table.name, "id": obj_uuid},
        ).first()
    else:
        client_col = table.c.client_id if "client_id" in table.c else None
        cols = [table.c.agency_id, client_col if client_col is not None else table.c.id]
        row = db.session.execute(select(*cols).where(table.c.id == obj_uuid).execution_options(**unscoped())).first()
        if row is not None and client_col is None:
            row = (row[0], row[1] if model is Client else None)
    if row is None:
        return None
    return row[0], row[1]


def note_foreign_id(model: type[TenantModel], obj_id) -> None:
    """Log, in the caller's own audit trail, a request for a row of another tenant."""
    ctx = current_tenant()
    if ctx is None:
        return
    owner = row_owner(model, obj_id)
    if owner is None:
        return
    agency_id, client_id = owner
    foreign = agency_id != ctx.agency_id or (ctx.client_id is not None and client_id != ctx.client_id)
    if foreign:
        security.record_security_event(
            ctx.agency_id,
            "tenant.foreign_id_requested",
            client_id=ctx.client_id,
            target_type=model.__tablename__,
            target_id=str(obj_id),
            other_agency=agency_id != ctx.agency_id,
        )
