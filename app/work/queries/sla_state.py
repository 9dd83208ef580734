"""A task's SLA state read from its stored clocks, in Python (to show) and in SQL (to filter), side by side.

The states, first that applies: breached (a breach recorded, or a running clock past due), paused (waiting
on the client), at risk (a running clock past its at-risk instant), on track (a clock runs). Closed tasks are
met or breached; tasks without clocks have no state. `app.sla` fills the columns; this module only reads them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, not_, or_

from app.work.models import Task

FILTER_STATES = ("on_track", "at_risk", "breached", "paused")
STATE_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "breached": "Breached",
    "paused": "Paused",
    "met": "Met",
    "stopped": "Stopped",
    "none": "No SLA",
}


def _passed(instant, now: datetime) -> bool:
    return instant is not None and instant <= now


def _crossed(instant, stop, now: datetime) -> bool:
    """The clock reached `instant` while running: by now, and before it stopped (the same test as the sweep's)."""
    return _passed(instant, now) and (stop is None or instant < stop)


def state_of(task: Task, now: datetime) -> str:
    response_open = task.first_responded_at is None
    running = task.sla_paused_since is None
    if (
        task.resolution_breached_at is not None
        or task.first_response_breached_at is not None
        or _crossed(task.resolution_due_at, task.sla_paused_since, now)
        or _crossed(task.first_response_due_at, task.first_responded_at, now)
    ):
        return "breached"
    if task.resolution_due_at is None and task.first_response_due_at is None:
        return "none"
    if task.status == "waiting_on_client":
        return "paused"
    if task.status == "done":
        return "met"
    if task.status == "cancelled":
        return "stopped"
    if (running and _passed(task.resolution_at_risk_at, now)) or (response_open and _passed(task.first_response_at_risk_at, now)):
        return "at_risk"
    return "on_track"


def _passed_sql(column, now: datetime):
    return and_(column.is_not(None), column <= now)


def _crossed_sql(column, stop, now: datetime):
    return and_(_passed_sql(column, now), or_(stop.is_(None), column < stop))


def state_clause(state: str, now: datetime):
    """Rows in `state` (one of FILTER_STATES), null-safe so NOT works as expected."""
    running, response_open = Task.sla_paused_since.is_(None), Task.first_responded_at.is_(None)
    breached = or_(
        Task.resolution_breached_at.is_not(None),
        Task.first_response_breached_at.is_not(None),
        _crossed_sql(Task.resolution_due_at, Task.sla_paused_since, now),
        _crossed_sql(Task.first_response_due_at, Task.first_responded_at, now),
    )
    has_clock = or_(Task.resolution_due_at.is_not(None), Task.first_response_due_at.is_not(None))
    if state == "breached":
        return breached
    if state == "paused":
        return and_(not_(breached), has_clock, Task.status == "waiting_on_client")
    at_risk = or_(and_(running, _passed_sql(Task.resolution_at_risk_at, now)), and_(response_open, _passed_sql(Task.first_response_at_risk_at, now)))
    open_running = and_(not_(breached), has_clock, Task.status.not_in(("waiting_on_client", "done", "cancelled")))
    if state == "at_risk":
        return and_(open_running, at_risk)
    if state == "on_track":
        return and_(open_running, not_(at_risk))
    raise ValueError(f"unknown SLA state {state}")
