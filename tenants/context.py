"""The tenant context of the current request or job: which agency, which client, who."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from flask import g, has_app_context


@dataclass(frozen=True)
class TenantContext:
    agency_id: uuid.UUID
    client_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    role: str | None = None
    staff_client_ids: frozenset = field(default_factory=frozenset)

    @property
    def is_client_user(self) -> bool:
        return self.client_id is not None


def current_tenant() -> TenantContext | None:
    if not has_app_context():
        return None
    return g.get("_tenant")


def set_tenant(ctx: TenantContext | None) -> None:
    """Make `ctx` the tenant of this app context; the database settings follow at the next statement (tenants.rls)."""
    g._tenant = ctx


@contextmanager
def tenant_scope(ctx: TenantContext | None):
    """Run a block under another tenant context, restoring the previous one after."""
    previous = current_tenant()
    set_tenant(ctx)
    try:
        yield ctx
    finally:
        set_tenant(previous)


def as_agency():
    """Act for the whole agency during a client user's request (e.g. to notify agency staff of their comment).

    The one sanctioned widening of a portal session's scope: same agency, client narrowing lifted for the block.
    """
    ctx = current_tenant()
    if ctx is None or ctx.client_id is None:
        return tenant_scope(ctx)
    return tenant_scope(replace(ctx, client_id=None))
