"""The home pages' figures: the agency admin's counts and recent events, and the SLA state of open work."""
from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.core import audit
from app.extensions import db
from app.work.queries.lists import sla_counts
from tenants.models import Client


def sla_strip(user: User) -> dict:
    """The SLA state of the user's open work and (admins) of every open task, for the home page."""
    strip = {"mine": sla_counts(user, "my_work")}
    if user.is_agency_admin:
        strip["all"] = sla_counts(user, "tasks")
    return strip


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


def admin_summary() -> dict:
    """Clients, people and second-factor take-up at a glance, with the latest audit events."""
    active = User.deactivated_at.is_(None)
    events, _ = audit.audit_events(per_page=8)
    return {
        "active_clients": _count(select(func.count()).select_from(Client).where(Client.archived_at.is_(None))),
        "archived_clients": _count(select(func.count()).select_from(Client).where(Client.archived_at.is_not(None))),
        "staff_count": _count(select(func.count()).select_from(User).where(User.role.in_(("agency_admin", "staff")), active)),
        "client_user_count": _count(select(func.count()).select_from(User).where(User.client_id.is_not(None), active)),
        "invited_count": _count(select(func.count()).select_from(User).where(User.password_hash.is_(None), active)),
        "staff_without_2fa": _count(select(func.count()).select_from(User).where(
            User.role.in_(("agency_admin", "staff")), active, User.totp_enabled_at.is_(None))),
        "events": events,
    }
