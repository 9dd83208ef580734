"""The tenant context of the current request or job: which agency, which client, who."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

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
    """Make `ctx` the tenant of this app context and of the open database transaction."""
    g._tenant = ctx
    from tenants import rls

    rls.apply_to_open_transaction()


@contextmanager
def tenant_scope(ctx: TenantContext | None):
    """Run a block under another tenant context, restoring the previous one after."""
    previous = current_tenant()
    set_tenant(ctx)
    try:
        yield ctx
    finally:
        set_tenant(previous)
