"""Security events that must outlive the request's rollback: failed sign-ins and probes of other tenants' ids."""

from __future__ import annotations

import logging
import uuid

from flask import g, has_request_context

from app.core import audit, jobs
from app.core.audit import AuditEvent
from app.extensions import db
from tenants.context import TenantContext, tenant_scope

log = logging.getLogger("backline.security")


def record_security_event(agency_id: uuid.UUID, action: str, *, then_enqueue: tuple[str, dict] | None = None, **kwargs) -> None:
    """Record an event that must survive the request's rollback (failed sign-ins, cross-tenant probes).

    `then_enqueue` (a job path and its arguments) is queued with the event, so it too survives the rollback.
    """
    log.warning("security event %s agency=%s %s", action, agency_id, kwargs)
    if not has_request_context():
        return
    g.setdefault("security_events", []).append((agency_id, action, kwargs, audit.request_ip(), audit.current_actor(), then_enqueue))


def write_pending_events() -> None:
    """Write events held by record_security_event in their own transaction, after the unit ended."""
    events = g.pop("security_events", None)
    if not events:
        return
    for agency_id, action, kwargs, ip, (actor_id, actor_email), then_enqueue in events:
        client_id = kwargs.pop("client_id", None)
        ctx = TenantContext(agency_id=agency_id, client_id=client_id)
        with tenant_scope(ctx):
            db.session.add(
                AuditEvent(
                    action=action,
                    actor_id=actor_id,
                    actor_email=actor_email or kwargs.pop("email", None),
                    ip=ip,
                    client_id=client_id,
                    target_type=kwargs.pop("target_type", None),
                    target_id=str(kwargs.pop("target_id")) if kwargs.get("target_id") else None,
                    details={k: str(v) if isinstance(v, uuid.UUID) else v for k, v in kwargs.items()},
                )
            )
            if then_enqueue is not None:
                jobs.enqueue(then_enqueue[0], agency_id=agency_id, **then_enqueue[1])
            db.session.commit()
