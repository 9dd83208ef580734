"""Fixtures for the notification tests: acting as a user in their tenant context (the SMTP server is the suite's `smtp`)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import select

from app.accounts.auth import context_for
from app.accounts.models import User
from app.extensions import db
from app.notifications.models import Notification
from tenants.context import TenantContext, set_tenant, tenant_scope


def load(ref) -> User:
    return db.session.scalar(select(User).where(User.agency_id == ref.agency_id, User.id == ref.id))


@contextmanager
def acting(app, ref):
    """An app context under `ref`'s own tenant context (as their requests run), committed at the end."""
    with app.app_context():
        set_tenant(TenantContext(agency_id=ref.agency_id))
        user = load(ref)
        with tenant_scope(context_for(user)):
            yield user
            db.session.commit()


@contextmanager
def in_agency(app, agency_id):
    with app.app_context():
        with tenant_scope(TenantContext(agency_id=agency_id)):
            yield db.session
            db.session.commit()


def notes_of(app, ref) -> list[Notification]:
    """Every notification row of a user (in-app or email-only), oldest first, detached."""
    with in_agency(app, ref.agency_id) as session:
        rows = list(session.scalars(select(Notification).where(Notification.user_id == ref.id).order_by(Notification.created_at)))
        session.expunge_all()
    return rows
