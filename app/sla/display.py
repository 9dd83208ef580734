"""How a task's SLA clock looks on a page: its state and the business time left (or over), colour-coded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import g
from sqlalchemy import select

from app.core.types import utcnow
from app.extensions import db
from app.sla import clocks
from app.sla.models import SlaCalendar, SlaPolicy
from app.work.models import Task
from app.work.queries.sla_state import STATE_LABELS, state_of

CSS = {
    "on_track": "text-bg-success",
    "at_risk": "text-bg-warning",
    "breached": "text-bg-danger",
    "paused": "text-bg-secondary",
    "met": "text-bg-light border text-success-emphasis",
    "stopped": "text-bg-light border",
    "none": "text-bg-light border",
}


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
        response_late = task.first_response_breached_at is not None or (
            task.first_response_due_at is not None and task.first_response_due_at <= min(task.first_responded_at or now, now)
        )
        resolution_late = task.resolution_breached_at is not None or (
            task.resolution_due_at is not None and task.resolution_due_at <= min(task.sla_paused_since or now, now)
        )
        metric = "resolution" if resolution_late or not response_late else "first_response"
    else:
        metric = (
            "first_response"
            if pending_response and (task.resolution_due_at is None or task.first_response_due_at <= task.resolution_due_at)
            else "resolution"
        )
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


@dataclass(frozen=True)
class MetricView:
    label: str
    due: datetime | None
    at_risk: datetime | None
    done: datetime | None  # met (responded / resolved)
    minutes: int | None  # business minutes it took
    breached: datetime | None


def sla_summary(task: Task) -> dict | None:
    """The task page's SLA card: the policy version and each clock's instants; None when no policy applies."""
    version = clocks.version_of(task)
    if version is None:
        return None
    policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.id == version.policy_id))
    calendar = db.session.scalar(select(SlaCalendar).where(SlaCalendar.id == version.calendar_id))
    metrics = []
    if task.first_response_due_at is not None or task.first_responded_at is not None:
        metrics.append(
            MetricView(
                "First response",
                task.first_response_due_at,
                task.first_response_at_risk_at,
                task.first_responded_at,
                task.first_response_minutes,
                task.first_response_breached_at,
            )
        )
    metrics.append(
        MetricView(
            "Resolution", task.resolution_due_at, task.resolution_at_risk_at, task.resolved_at, task.resolution_minutes, task.resolution_breached_at
        )
    )
    return {
        "policy": policy.name,
        "version": version.version,
        "calendar": calendar.name if calendar else None,
        "deadline_capped": task.due_at is not None and task.resolution_due_at == task.due_at,
        "metrics": metrics,
        "paused_since": task.sla_paused_since,
        "waiting_minutes": task.sla_waiting_minutes or 0,
        "clock": clock_view(task),
    }


def init_app(app) -> None:
    app.add_template_global(clock_view, "sla_clock")
    app.add_template_global(sla_summary, "sla_summary")
    app.add_template_filter(business_duration, "business_duration")
