"""ORM events that add tenant criteria to every query and stamp tenant keys on new rows."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, with_loader_criteria

from app.core.models import ClientScoped, TenantModel
from tenants.context import TenantContext, current_tenant
from tenants.models import Client

BYPASS = "tenant_bypass"
_installed = False


class TenantViolation(RuntimeError):
    """A write that would put a row into another tenant, or a tenant row written with no tenant."""


def unscoped() -> dict:
    """Execution options that skip the tenant criteria. Use only inside tenants/."""
    return {BYPASS: True}


def _scope_statement(state) -> None:
    if state.execution_options.get(BYPASS) or state.is_column_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    ctx = current_tenant()
    agency_id = ctx.agency_id if ctx else None
    options = [
        with_loader_criteria(
            TenantModel,
            lambda cls: cls.agency_id == agency_id if agency_id is not None else cls.agency_id.is_(None),
            include_aliases=True,
        )
    ]
    if ctx is not None and ctx.client_id is not None:
        client_id = ctx.client_id
        options.append(with_loader_criteria(ClientScoped, lambda cls: cls.client_id == client_id, include_aliases=True))
        options.append(with_loader_criteria(Client, lambda cls: cls.id == client_id, include_aliases=True))
    state.statement = state.statement.options(*options)


def _stamp_new_rows(session: Session, flush_context, instances) -> None:
    ctx = current_tenant()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantModel):
            continue
        if ctx is None:
            _require_agency(obj)
            continue
        _stamp_agency(obj, ctx)
        if ctx.client_id is not None:
            _stamp_client(obj, ctx)


def _require_agency(obj: TenantModel) -> None:
    """With no tenant context (platform work), a tenant row must already name its agency."""
    if obj.agency_id is None:
        raise TenantViolation(f"{type(obj).__name__} written with no tenant context")


def _stamp_agency(obj: TenantModel, ctx: TenantContext) -> None:
    """Give a new row the context's agency; refuse a row of another agency."""
    if obj.agency_id is None:
        obj.agency_id = ctx.agency_id
    elif obj.agency_id != ctx.agency_id:
        raise TenantViolation(f"{type(obj).__name__} belongs to another agency")


def _stamp_client(obj: TenantModel, ctx: TenantContext) -> None:
    """Under a client user's context: only their own client row, and client-scoped rows of their client."""
    if isinstance(obj, Client):
        if obj.id is not None and obj.id != ctx.client_id:
            raise TenantViolation("a client user cannot write another client")
    elif isinstance(obj, ClientScoped):
        if obj.client_id is None:
            obj.client_id = ctx.client_id
        elif obj.client_id != ctx.client_id:
            raise TenantViolation(f"{type(obj).__name__} belongs to another client")


def install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "do_orm_execute", _scope_statement)
    event.listen(Session, "before_flush", _stamp_new_rows)
    from tenants import rls

    rls.install()
    _installed = True
