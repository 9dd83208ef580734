"""Reads for the home pages: the SLA strip, the admin's agency figures (each one statement whatever the data size), recent events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, not_, or_, select

from app.accounts.models import User
from app.core import audit
from app.core.types import utcnow
from app.extensions import db
from app.work.models import Task
from app.work.queries.filters import TaskFilters
from app.work.queries.lists import list_statement
from app.work.queries.sla_state import FILTER_STATES, state_clause
from tenants.models import Client

# Every SLA state needs a clock or a recorded breach: saying so skips the open tasks without an SLA.
HAS_CLOCK = or_(Task.resolution_due_at.is_not(None), Task.first_response_due_at.is_not(None))
HAS_SLA = or_(
    Task.resolution_due_at.is_not(None),
    Task.first_response_due_at.is_not(None),
    Task.resolution_breached_at.is_not(None),
    Task.first_response_breached_at.is_not(None),
)


def sla_strip(actor, now: datetime | None = None) -> dict:
    """Open tasks per SLA state: the actor's own ("mine") and, for admins, every open task ("all"), in one statement.

    Each task's state is worked out once, in the order app.work.queries.sla_state.state_of decides it (the same
    clauses the list filters use), and the tasks are counted per state, rather than testing every state's clause on
    every task.
    """
    now = now or utcnow()
    breached = state_clause("breached", now)
    state = case(
        (breached, "breached"),
        (not_(HAS_CLOCK), None),
        (Task.status == "waiting_on_client", "paused"),
        (Task.status.in_(("done", "cancelled")), None),
        (state_clause("at_risk", now), "at_risk"),
        else_="on_track",
    ).label("state")
    if actor.is_agency_admin:
        # An admin reaches every task, so their own work is the assigned-to-them part of the same rows.
        stmt = list_statement(actor, TaskFilters(), view="tasks")
        columns = [state, func.count().filter(Task.assignee_id == actor.id), func.count()]
    else:
        stmt = list_statement(actor, TaskFilters(), view="my_work")
        columns = [state, func.count(), func.count()]
    rows = db.session.execute(stmt.where(HAS_SLA).with_only_columns(*columns).group_by(state).order_by(None)).all()
    counts = {name: (mine, every) for name, mine, every in rows if name is not None}
    strip = {"mine": {name: counts.get(name, (0, 0))[0] for name in FILTER_STATES}}
    if actor.is_agency_admin:
        strip["all"] = {name: counts.get(name, (0, 0))[1] for name in FILTER_STATES}
    return strip


def agency_figures() -> dict:
    """The admin's counts of clients and people, as scalar subqueries of one statement."""

    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    active = User.deactivated_at.is_(None)
    agency_people = User.role.in_(("agency_admin", "staff"))
    figures = {
        "active_clients": count(Client, Client.archived_at.is_(None)),
        "archived_clients": count(Client, Client.archived_at.is_not(None)),
        "staff_count": count(User, agency_people, active),
        "client_user_count": count(User, User.client_id.is_not(None), active),
        "invited_count": count(User, User.password_hash.is_(None), active),
        "staff_without_2fa": count(User, agency_people, active, User.totp_enabled_at.is_(None)),
    }
    row = db.session.execute(select(*figures.values())).one()
    return {name: value or 0 for name, value in zip(figures, row, strict=True)}


def admin_summary() -> dict:
    """Clients, people and second-factor take-up at a glance, with the latest audit events."""
    events, _ = audit.audit_events(per_page=8)
    return {**agency_figures(), "events": events}
