"""Reads remembered for one unit of work of one tenant (a staff member's reach: their queues and clients).

A request reads the same few small rows several times (the loader, the list, the page); this keeps the first
answer on `flask.g`, keyed by the tenant context, so it never crosses requests, jobs or tenants. Anything the unit
of work writes (a flush or a bulk statement), commits or rolls back forgets every answer, and pending changes
bypass the cache, so a read after a write always goes to the database.
"""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from tenants.context import current_tenant

_STORE = "_unit_cache"
_installed = False


def _tenant_key() -> tuple:
    ctx = current_tenant()
    return (None, None) if ctx is None else (ctx.agency_id, ctx.client_id)


def _has_pending_writes(session) -> bool:
    return bool(session.new or session.deleted or session.identity_map.check_modified())


def remembered(name: str, *args, compute):
    """`compute()`, or the answer it gave for the same name, arguments and tenant earlier in this unit of work."""
    if not has_app_context():
        return compute()
    install()
    if _has_pending_writes(db.session()):
        forget()
        return compute()
    store = g.get(_STORE)
    if store is None:
        store = g._unit_cache = {}
    key = (_tenant_key(), name, args)
    if key not in store:
        store[key] = compute()
    return store[key]


def forget(*_args) -> None:
    """Drop every remembered answer (after a write, a commit or a rollback)."""
    if has_app_context():
        g.pop(_STORE, None)


def _forget_on_write(state) -> None:
    """An INSERT, UPDATE or DELETE sent through the session outside a flush (bulk statements) forgets too."""
    if not state.is_select:
        forget()


def install() -> None:
    global _installed
    if _installed:
        return
    for name in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
        event.listen(Session, name, forget)
    event.listen(Session, "do_orm_execute", _forget_on_write)
    _installed = True
