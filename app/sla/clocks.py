"""A task's SLA clocks: the policy that applies, and the due, at-risk and met instants kept on the task.

The work services send `app.work.events.task_changed`; `on_task_changed` follows it, so the instants on
the task are right at the end of every unit of work that touches what they depend on (creation, status,
priority, deadline, the first client-visible message from the agency).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from datetime import datetime

from flask import g, has_app_context
from sqlalchemy import select

from app.accounts.models import User
from app.core.types import utcnow
from app.extensions import db
from app.sla import sweep
from app.sla.calendar import BusinessCalendar
from app.sla.models import ClientHoliday, SlaCalendar, SlaPolicy, SlaPolicyVersion, SlaRule
from app.work.models import Task
from tenants.context import as_agency

# Statuses that stop the resolution clock, and why (waiting time is reported on its own).
PAUSE_REASONS = {"waiting_on_client": "waiting", "done": "closed", "cancelled": "closed"}
# Status moves by agency staff that tell the client something, and so count as the first response.
RESPONDING_STATUSES = {"waiting_on_client", "done"}

_CALENDARS: OrderedDict = OrderedDict()
_CACHE_SIZE = 256


# --- which policy, which calendar --------------------------------------------------------------


def matching_version(client_id, task_type_id) -> SlaPolicyVersion | None:
    """The current version of the first matching rule's policy: client and type, client, type, agency default."""
    keys = [
        SlaRule.key_for(client_id, task_type_id),
        SlaRule.key_for(client_id, None),
        SlaRule.key_for(None, task_type_id),
        SlaRule.key_for(None, None),
    ]
    rows = db.session.execute(
        select(SlaRule.match_key, SlaPolicyVersion)
        .join(SlaPolicy, SlaPolicy.id == SlaRule.policy_id)
        .join(SlaPolicyVersion, (SlaPolicyVersion.policy_id == SlaPolicy.id) & (SlaPolicyVersion.version == SlaPolicy.current_version))
        .where(SlaRule.match_key.in_(keys), SlaPolicy.archived_at.is_(None))
    ).all()
    by_key = {key: version for key, version in rows}
    return next((by_key[key] for key in keys if key in by_key), None)


def _unit_cache() -> dict:
    """Rows and calendars read during this request or job (policy versions are immutable; edits call forget())."""
    return g.setdefault("sla_clock_cache", {}) if has_app_context() else {}


def forget() -> None:
    """Drop what this request or job cached: a calendar or the client's holidays changed."""
    if has_app_context():
        g.pop("sla_clock_cache", None)


def calendar_for(calendar_id, client_id) -> BusinessCalendar:
    """The calendar with the client's own holidays added; built once per calendar edit and holiday set."""
    cache = _unit_cache()
    if ("calendar", calendar_id, client_id) in cache:
        return cache[("calendar", calendar_id, client_id)]
    calendar = db.session.scalar(select(SlaCalendar).where(SlaCalendar.id == calendar_id))
    days = tuple(db.session.scalars(select(ClientHoliday.day).where(ClientHoliday.client_id == client_id).order_by(ClientHoliday.day)))
    built = cache[("calendar", calendar_id, client_id)] = _built(calendar, days)
    return built


def _built(calendar: SlaCalendar, days: tuple) -> BusinessCalendar:
    key = (calendar.id, calendar.updated_at, days)
    built = _CALENDARS.get(key)
    if built is None:
        built = BusinessCalendar.from_spec(calendar.spec(days))
        _CALENDARS[key] = built
        while len(_CALENDARS) > _CACHE_SIZE:
            _CALENDARS.popitem(last=False)
    else:
        _CALENDARS.move_to_end(key)
    return built


def preload(tasks) -> None:
    """Read the policy versions and calendars a page of tasks shows, in at most three statements for the whole page.

    A list page draws each task's clock; without this, each new client or policy on the page cost its own look-ups.
    """
    if not has_app_context():
        return
    cache = _unit_cache()
    version_ids = {t.sla_policy_version_id for t in tasks if t.sla_policy_version_id is not None} - {key[1] for key in cache if key[0] == "version"}
    if version_ids:
        found = {v.id: v for v in db.session.scalars(select(SlaPolicyVersion).where(SlaPolicyVersion.id.in_(version_ids)))}
        cache.update({("version", version_id): found.get(version_id) for version_id in version_ids})
    pairs = {
        (version.calendar_id, t.client_id)
        for t in tasks
        if t.sla_policy_version_id is not None and (version := cache.get(("version", t.sla_policy_version_id))) is not None
    }
    pairs = {pair for pair in pairs if ("calendar", *pair) not in cache}
    if not pairs:
        return
    calendars = {c.id: c for c in db.session.scalars(select(SlaCalendar).where(SlaCalendar.id.in_({p[0] for p in pairs})))}
    days: dict = {}
    for client_id, day in db.session.execute(
        select(ClientHoliday.client_id, ClientHoliday.day).where(ClientHoliday.client_id.in_({p[1] for p in pairs})).order_by(ClientHoliday.day)
    ):
        days.setdefault(client_id, []).append(day)
    for calendar_id, client_id in pairs:
        if calendar_id in calendars:
            cache[("calendar", calendar_id, client_id)] = _built(calendars[calendar_id], tuple(days.get(client_id, ())))


def _on_tasks_listed(sender, tasks=(), **_) -> None:
    preload(tasks)


def version_of(task: Task) -> SlaPolicyVersion | None:
    if task.sla_policy_version_id is None:
        return None
    cache = _unit_cache()
    key = ("version", task.sla_policy_version_id)
    if key not in cache:
        cache[key] = db.session.scalar(select(SlaPolicyVersion).where(SlaPolicyVersion.id == task.sla_policy_version_id))
    return cache[key]


def calendar_of(task: Task) -> BusinessCalendar | None:
    version = version_of(task)
    return calendar_for(version.calendar_id, task.client_id) if version is not None else None


# --- the arithmetic --------------------------------------------------------------------------


def _instant(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def closed_pauses(task: Task) -> list[tuple[datetime, datetime, str]]:
    return [(_instant(start), _instant(end), reason) for start, end, reason in (task.sla_pauses or [])]


def at_risk_minutes(target: int, percent: int) -> int:
    return max(0, min(target, math.ceil(target * percent / 100)))


def requested_by_client(task: Task) -> bool:
    """First response is owed on requests a client made; work the agency starts itself owes no reply."""
    if task.created_by_id is None:
        return False
    cache = _unit_cache()
    key = ("role", task.created_by_id)
    if key not in cache:
        cache[key] = db.session.scalar(select(User.role).where(User.id == task.created_by_id))
    return cache[key] in ("client_admin", "client_member")


def recompute(task: Task, version: SlaPolicyVersion | None = None, calendar: BusinessCalendar | None = None) -> None:
    """Set the task's due and at-risk instants from its policy version, priority, deadline and pauses.

    Breach instants are left alone: once recorded they stay, even if the targets later move out.
    """
    version = version or version_of(task)
    if version is None:
        return
    calendar = calendar or calendar_for(version.calendar_id, task.client_id)
    start, percent = task.created_at, version.at_risk_percent
    response = version.target(task.priority, "first_response") if requested_by_client(task) else None
    if task.status == "cancelled" and task.first_responded_at is None:
        response = None  # cancelling stops the first-response clock too; reopening starts it again
    if response:
        task.first_response_due_at = calendar.add_business_minutes(start, response)
        task.first_response_at_risk_at = calendar.add_business_minutes(start, at_risk_minutes(response, percent))
    else:
        task.first_response_due_at = task.first_response_at_risk_at = None
    pauses = [(s, e) for s, e, _ in closed_pauses(task)]
    resolution = version.target(task.priority, "resolution")
    due = calendar.due_at(start, resolution, pauses) if resolution else None
    risk = calendar.due_at(start, at_risk_minutes(resolution, percent), pauses) if resolution else None
    if task.due_at is not None:
        # A hard deadline caps the promise; it warns once the same share of the time up to it has gone.
        deadline = task.due_at
        available = calendar.business_minutes_between(start, deadline) if deadline > start else 0
        deadline_risk = calendar.add_business_minutes(start, at_risk_minutes(available, percent)) if available else deadline
        due = min(due, deadline) if due else deadline
        risk = min(risk, deadline_risk) if risk else deadline_risk
    task.resolution_due_at, task.resolution_at_risk_at = due, risk


def _pause(task: Task, now: datetime) -> None:
    task.sla_paused_since = now


def _resume(task: Task, old_status: str, now: datetime, calendar: BusinessCalendar) -> None:
    since = task.sla_paused_since
    if since is None:
        return
    reason = PAUSE_REASONS.get(old_status, "closed")
    task.sla_pauses = [*(task.sla_pauses or []), [since.isoformat(), now.isoformat(), reason]]
    if reason == "waiting":
        task.sla_waiting_minutes = (task.sla_waiting_minutes or 0) + calendar.business_minutes_between(since, now)
    task.sla_paused_since = None


def resolution_business_minutes(task: Task, end: datetime, calendar: BusinessCalendar) -> int:
    """Business minutes the resolution clock ran from creation to `end`, pauses left out."""
    total = calendar.business_minutes_between(task.created_at, end)
    for start, stop, _ in closed_pauses(task):
        total -= calendar.business_minutes_between(max(start, task.created_at), min(stop, end)) if stop > start else 0
    return max(total, 0)


def responded(task: Task, now: datetime, calendar: BusinessCalendar) -> None:
    if task.first_responded_at is None and task.first_response_due_at is not None:
        task.first_responded_at = now
        task.first_response_minutes = calendar.business_minutes_between(task.created_at, now)


def _status_changed(task: Task, actor, now: datetime, old: str, new: str, calendar: BusinessCalendar) -> None:
    was_paused, pauses_now = old in PAUSE_REASONS, new in PAUSE_REASONS
    if was_paused:
        _resume(task, old, now, calendar)
    if pauses_now:
        _pause(task, now)
    if old == "done":
        task.resolved_at = task.resolution_minutes = None  # reopened: the clock runs on from where it stopped
    if new == "done":
        task.resolved_at = now
        task.resolution_minutes = resolution_business_minutes(task, now, calendar)
    if actor is not None and actor.is_agency_user and new in RESPONDING_STATUSES:
        responded(task, now, calendar)


# --- following the task services ---------------------------------------------------------------


def on_task_changed(task: Task, *, change: str, actor, now: datetime, **details) -> None:
    """Keep the task's clocks right after a change. Runs for the whole agency: a client user's action (a reply,
    a cancellation) moves clocks whose policy, calendar and creator lie outside the client's own rows."""
    with as_agency():
        _follow(task, change, actor, now, details)


def _follow(task: Task, change: str, actor, now: datetime, details: dict) -> None:
    if change == "created":
        version = matching_version(task.client_id, task.task_type_id)
        task.sla_policy_version_id = version.id if version is not None else None
    else:
        version = version_of(task)
    if version is None:
        return
    calendar = calendar_for(version.calendar_id, task.client_id)
    if change == "status":
        _status_changed(task, actor, now, details["old"], details["new"], calendar)
    elif change == "client_message" and actor is not None and actor.is_agency_user:
        responded(task, now, calendar)
    recompute(task, version, calendar)
    # A change can make a crossing final (a late completion, a deadline moved into the past): record it now.
    current = utcnow()
    if sweep.has_unrecorded_crossing(task, current):
        sweep.record_crossings(now=current, task_ids=[task.id])


def init_app(app) -> None:
    from app.work.events import task_changed, tasks_listed

    task_changed.connect(on_task_changed)
    tasks_listed.connect(_on_tasks_listed)
