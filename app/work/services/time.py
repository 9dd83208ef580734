"""Time tracking writes: timers (one running per user), manual entries, and edits of unbilled entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.localtime import tenant_zone
from app.core import audit, localtime
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from app.work.access import can_see
from app.work.models import Task, TimeEntry
from app.work.queries.time import require_agency_user, running_entry
from app.work.services import activity

MAX_MINUTES = 24 * 60
NOTE_MAX = 2000


def may_change(actor, entry: TimeEntry) -> bool:
    """Authors change their own unbilled entries; admins any unbilled entry."""
    if entry.billed_at is not None:
        return False
    return actor.role == "agency_admin" or entry.user_id == actor.id


def _check_may_change(actor, entry: TimeEntry) -> None:
    require_agency_user(actor)
    if entry.billed_at is not None:
        raise Conflict("This entry has been billed and can no longer change.")
    if not may_change(actor, entry):
        raise Forbidden("You can only change your own time entries.")


def _check_task(actor, task: Task) -> None:
    if not can_see(actor, task):
        raise NotFound()


def _elapsed_minutes(started_at: datetime, ended_at: datetime) -> int:
    return max(1, round((ended_at - started_at).total_seconds() / 60))


# --- timers -------------------------------------------------------------------------------------


def start_timer(actor, task: Task) -> TimeEntry:
    """Start the actor's timer on a task; a timer running elsewhere is stopped first."""
    require_agency_user(actor)
    _check_task(actor, task)
    running = running_entry(actor.id)
    if running is not None and running.task_id == task.id:
        return running
    if running is not None:
        _finish(actor, running)
        db.session.flush()
    entry = TimeEntry(task_id=task.id, client_id=task.client_id, user_id=actor.id, started_at=utcnow(), billable=True)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        # Another request of the same user started a timer at the same moment (uq_time_entries_running_timer).
        raise Conflict("A timer is already running for you. Stop it first.") from None
    audit.record("time_entry.timer_started", entry, client_id=task.client_id, task_id=task.id)
    return entry


def _finish(actor, entry: TimeEntry) -> TimeEntry:
    task = db.session.scalar(select(Task).where(Task.id == entry.task_id))
    entry.ended_at = max(utcnow(), entry.started_at)
    entry.minutes = _elapsed_minutes(entry.started_at, entry.ended_at)
    activity.record(task, "time_logged", actor, minutes=entry.minutes, time_entry_id=entry.id, timer=True)
    audit.record("time_entry.timer_stopped", entry, client_id=entry.client_id, minutes=entry.minutes)
    return entry


def stop_timer(actor, task: Task | None = None) -> TimeEntry:
    """Stop the actor's running timer (on `task`, when given); 409 when there is none."""
    require_agency_user(actor)
    running = running_entry(actor.id)
    if running is None or (task is not None and running.task_id != task.id):
        raise Conflict("No timer of yours is running on this task." if task is not None else "No timer of yours is running.")
    return _finish(actor, running)


# --- manual entries -----------------------------------------------------------------------------


def _span_between(started_at: datetime | None, ended_at: datetime | None) -> tuple[datetime, datetime, int]:
    """Start, end and minutes from both times (at most 24 hours apart, end after start)."""
    if started_at is None or ended_at is None:
        missing = "started_at" if started_at is None else "ended_at"
        raise ValidationFailed("Give both the start and the end.", fields={missing: ["Required with the other time."]})
    if ended_at <= started_at:
        raise ValidationFailed("The end must be after the start.", fields={"ended_at": ["Must be after the start."]})
    if ended_at - started_at > timedelta(minutes=MAX_MINUTES):
        raise ValidationFailed("An entry covers at most 24 hours.", fields={"ended_at": ["At most 24 hours after the start."]})
    return started_at.astimezone(UTC), ended_at.astimezone(UTC), _elapsed_minutes(started_at, ended_at)


def _span_of_day(minutes, work_date, entry: TimeEntry | None) -> tuple[datetime, datetime, int]:
    """Start, end and minutes from minutes on a work date (today, or the entry's own day, when not given)."""
    if minutes is None:
        raise ValidationFailed("Give the minutes spent, or a start and an end.", fields={"minutes": ["Required."]})
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        raise ValidationFailed("Minutes must be between 1 and 1440.", fields={"minutes": ["Between 1 and 1440."]})
    zone = tenant_zone()  # a work date is a day of the agency's calendar: it starts at the agency's midnight
    if work_date is None:
        work_date = localtime.today(entry.started_at if entry is not None else utcnow(), zone)
    if not isinstance(work_date, date):
        raise ValidationFailed("Give the date as YYYY-MM-DD.", fields={"work_date": ["Not a date."]})
    start = localtime.day_start(work_date, zone)
    return start, start + timedelta(minutes=minutes), minutes


def _span(values: dict, entry: TimeEntry | None = None) -> tuple[datetime, datetime, int]:
    """Start, end and minutes from either (work_date, minutes) or (started_at, ended_at)."""
    started_at, ended_at = values.get("started_at"), values.get("ended_at")
    for name, value in (("started_at", started_at), ("ended_at", ended_at)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed("Give times with a time zone.", fields={name: ["Needs a time zone."]})
    if started_at is not None or ended_at is not None:
        return _span_between(started_at, ended_at)
    return _span_of_day(values.get("minutes"), values.get("work_date"), entry)


def _check_not_future(started_at: datetime) -> None:
    if started_at > utcnow() + timedelta(days=1):
        raise ValidationFailed("Time cannot be logged in the future.", fields={"work_date": ["Not in the future."]})


def _clean_note(note) -> str | None:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed("The note is too long.", fields={"note": [f"At most {NOTE_MAX} characters."]})
    return note or None


def create_entry(actor, task: Task, values: dict) -> TimeEntry:
    """Log finished time on a task: a date and minutes, or a start and an end."""
    require_agency_user(actor)
    _check_task(actor, task)
    started_at, ended_at, minutes = _span(values)
    _check_not_future(started_at)
    entry = TimeEntry(
        task_id=task.id,
        client_id=task.client_id,
        user_id=actor.id,
        started_at=started_at,
        ended_at=ended_at,
        minutes=minutes,
        billable=bool(values.get("billable", True)),
        note=_clean_note(values.get("note")),
    )
    db.session.add(entry)
    db.session.flush()
    activity.record(task, "time_logged", actor, minutes=minutes, time_entry_id=entry.id)
    audit.record("time_entry.created", entry, client_id=task.client_id, task_id=task.id, minutes=minutes)
    return entry


def _timing_changes(entry: TimeEntry, values: dict) -> dict:
    """The entry's start, end and minutes that the new timing values change (none for a running timer's)."""
    timing = {k: values[k] for k in ("work_date", "minutes", "started_at", "ended_at") if k in values and values[k] is not None}
    if not timing:
        return {}
    if entry.ended_at is None:
        raise Conflict("Stop the timer before changing its time.")
    if "minutes" not in timing and "started_at" not in timing:
        timing["minutes"] = entry.minutes
    started_at, ended_at, minutes = _span(timing, entry)
    _check_not_future(started_at)
    return {key: value for key, value in (("started_at", started_at), ("ended_at", ended_at), ("minutes", minutes)) if getattr(entry, key) != value}


def update_entry(actor, entry: TimeEntry, values: dict) -> TimeEntry:
    """Change an unbilled entry: its time, billable flag or note (a running timer: only billable and note)."""
    _check_may_change(actor, entry)
    changed = _timing_changes(entry, values)
    if "billable" in values and values["billable"] is not None and bool(values["billable"]) != entry.billable:
        changed["billable"] = bool(values["billable"])
    if "note" in values:
        note = _clean_note(values["note"])
        if note != entry.note:
            changed["note"] = note
    if not audit.record_changes(entry, changed, "time_entry.updated", client_id=entry.client_id):
        return entry
    task = db.session.scalar(select(Task).where(Task.id == entry.task_id))
    activity.record(task, "time_edited", actor, time_entry_id=entry.id, minutes=entry.minutes, fields=sorted(changed))
    return entry


def delete_entry(actor, entry: TimeEntry) -> None:
    """Delete an unbilled entry (or discard a running timer)."""
    _check_may_change(actor, entry)
    task = db.session.scalar(select(Task).where(Task.id == entry.task_id))
    activity.record(task, "time_deleted", actor, time_entry_id=entry.id, minutes=entry.minutes)
    audit.record("time_entry.deleted", entry, client_id=entry.client_id, minutes=entry.minutes)
    db.session.delete(entry)
    db.session.flush()
