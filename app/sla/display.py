"""How a task's SLA clock looks on a page: its state and the business time left (or over), colour-coded."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import g

from app.core.types import utcnow
from app.sla import clocks
from app.work.models import Task
from app.work.queries.sla_state import STATE_LABELS, state_of

CSS = {"on_track": "text-bg-success", "at_risk": "text-bg-warning", "breached": "text-bg-danger", "paused": "text-bg-secondary",
       "met": "text-bg-light border text-success-emphasis", "stopped": "text-bg-light border", "none": "text-bg-light border"}


@dataclass(frozen=True)
class ClockView:
    state: str
    label: str
    css: str
    metric: str | None = None  # the clock the remaining time is about
    due: datetime | None = None
    minutes: int | None = None  # business minutes left (or over, when breached)

    @property
    def detail(self) -> str:
        if self.minutes is None:
            return self.label
        what = "response" if self.metric == "first_response" else "resolution"
        if self.state == "breached":
            return f"{what} {business_duration(self.minutes)} over"
        if self.state == "paused":
            return f"paused · {business_duration(self.minutes)} left"
        return f"{what} in {business_duration(self.minutes)}"


def business_duration(minutes: int) -> str:
    """Business minutes as hours and minutes: `45m`, `3h 20m`, `120h`."""
    minutes = max(0, int(minutes))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    if hours >= 100 or not rest:
        return f"{hours}h"
    return f"{hours}h {rest}m"


def _calendar(task: Task):
    cache = g.setdefault("sla_calendars", {})
    key = (task.sla_policy_version_id, task.client_id)
    if key not in cache:
        cache[key] = clocks.calendar_of(task)
    return cache[key]


def clock_view(task: Task, now: datetime | None = None) -> ClockView:
    now = now or utcnow()
    state = state_of(task, now)
    base = {"state": state, "label": STATE_LABELS[state], "css": CSS[state]}
    if state in ("none", "stopped", "met"):
        return ClockView(**base)
    pending_response = task.first_responded_at is None and task.first_response_due_at is not None
    if state == "breached":
        metric = "first_response" if pending_response and task.first_response_due_at <= now else "resolution"
    else:
        metric = "first_response" if pending_response and (task.resolution_due_at is None or
                                                            task.first_response_due_at <= task.resolution_due_at) else "resolution"
    due = task.first_response_due_at if metric == "first_response" else task.resolution_due_at
    calendar = _calendar(task)
    if due is None or calendar is None:
        return ClockView(**base)
    reference = task.sla_paused_since if metric == "resolution" and task.sla_paused_since else now
    if state == "breached":
        stop = task.first_responded_at if metric == "first_response" else task.sla_paused_since
        minutes = calendar.business_minutes_between(due, min(stop or now, now)) if due <= now else 0
    else:
        minutes = calendar.business_minutes_between(reference, due) if due > reference else 0
    return ClockView(**base, metric=metric, due=due, minutes=minutes)


def init_app(app) -> None:
    app.add_template_global(clock_view, "sla_clock")
    app.add_template_filter(business_duration, "business_duration")
