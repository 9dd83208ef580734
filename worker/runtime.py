"""Running a job inside the app context and the tenant context named by its arguments."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from functools import wraps

from flask import has_app_context

log = logging.getLogger(__name__)
_app = None


def get_app():
    """The worker process's application, created on first use (never at import)."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def app_job(fn):
    """A job that needs the application but no tenant (fan-out over agencies)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        with nullcontext() if has_app_context() else get_app().app_context():
            return fn(*args, **kwargs)

    return wrapper


def tenant_job(fn):
    """A job for one agency: skipped when the agency is gone or suspended; one commit at the end."""

    @wraps(fn)
    def wrapper(agency_id: str, **kwargs):
        with nullcontext() if has_app_context() else get_app().app_context():
            from app.extensions import db
            from tenants.context import TenantContext, tenant_scope
            from tenants.lookup import agency_by_id

            agency = agency_by_id(agency_id)
            if agency is None or agency.is_suspended:
                log.info("job %s skipped: agency %s is %s", fn.__name__, agency_id, "missing" if agency is None else "suspended")
                db.session.rollback()
                return "skipped"
            with tenant_scope(TenantContext(agency_id=agency.id, role="job")):
                try:
                    result = fn(**kwargs)
                    db.session.commit()
                    return result
                except Exception:
                    db.session.rollback()
                    raise

    return wrapper
