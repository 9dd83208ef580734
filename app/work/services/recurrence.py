"""Recurring schedules: create, edit, pause and resume them, preview their dates, and generate the tasks that are due."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from itertools import islice
from types import SimpleNamespace

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.catalog.models import ClientService, TaskType
from app.clients.queries import serves
from app.core import audit
from app.core.errors import AppError, Forbidden, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from app.work import recurrence
from app.work.models import FREQUENCIES, PRIORITIES, RecurringSchedule, Task
from app.work.services import tasks as task_services
from tenants.lookup import get_in_tenant
from tenants.models import Client

log = logging.getLogger(__name__)
EDITABLE = (
    "client_id",
    "task_type_id",
    "title",
    "frequency",
    "interval",
    "day_of_month",
    "weekday",
    "month",
    "rrule",
    "due_time",
    "timezone",
    "lead_days",
    "default_assignee_id",
    "priority",
    "starts_on",
    "ends_on",
)
CATCH_UP_DAYS = 400  # after a longer outage, older occurrences are not created (and this is logged)
MAX_LEAD_DAYS = 366
PREVIEW_YEARS = 10
# Parameters each frequency uses; the others are cleared so a stored schedule never carries stale ones.
USES = {
    "monthly_day": {"interval", "day_of_month"},
    "monthly_last_working_day": {"interval"},
    "weekly": {"interval", "weekday"},
    "quarterly": {"interval", "day_of_month", "month"},
    "yearly": {"interval", "day_of_month", "month"},
    "rrule": {"rrule"},
}


def may_manage(actor, client_id) -> bool:
    """Admins manage every schedule; staff those of the clients they serve."""
    if actor is None or actor.role not in ("agency_admin", "staff"):
        return False
    if actor.role == "agency_admin":
        return True
    return serves(actor.id, client_id)


def _require_manager(actor, client_id) -> None:
    if not may_manage(actor, client_id):
        raise Forbidden("Only agency admins and the staff serving this client manage its schedules.")


# --- validation -------------------------------------------------------------------------------


def _clean_client_and_type(actor, data: dict, errors: dict):
    """The schedule's client (active, served by the actor) and task type (active, a service the client has)."""
    client = get_in_tenant(Client, data.get("client_id")) if data.get("client_id") else None
    if client is None or client.archived_at is not None or not may_manage(actor, client.id):
        errors["client_id"] = ["Choose an active client you serve."]
    task_type = get_in_tenant(TaskType, data.get("task_type_id")) if data.get("task_type_id") else None
    if task_type is None or task_type.archived_at is not None:
        errors["task_type_id"] = ["Choose an active task type."]
    elif client is not None and not db.session.scalar(
        select(ClientService.id).where(ClientService.client_id == client.id, ClientService.service_line_id == task_type.service_line_id)
    ):
        errors["task_type_id"] = ["The client does not have this task type's service."]
    return client, task_type


def _clean_timing(data: dict, errors: dict, client) -> None:
    """Time zone (the client's by default), due time of day and lead days."""
    if not data.get("timezone"):
        data["timezone"] = client.timezone if client is not None else "UTC"
    if recurrence.zone(data["timezone"]) is None:
        errors["timezone"] = ["Not a known IANA time zone, such as Europe/London."]
    try:
        recurrence.parse_due_time(data.get("due_time") or "")
    except ValueError:
        errors["due_time"] = ["A time of day as HH:MM, such as 17:00."]
    lead = data.get("lead_days")
    if isinstance(lead, bool) or not isinstance(lead, int) or not 0 <= lead <= MAX_LEAD_DAYS:
        errors["lead_days"] = [f"Between 0 and {MAX_LEAD_DAYS} days."]


def _clean_priority_and_dates(data: dict, errors: dict) -> None:
    if data.get("priority") in ("", None):
        data["priority"] = None
    elif data["priority"] not in PRIORITIES:
        errors["priority"] = [f"Must be one of: {', '.join(PRIORITIES)}."]
    if not isinstance(data.get("starts_on"), date):
        errors["starts_on"] = ["Required: the first date the schedule may fall on."]
    if data.get("ends_on") is not None and not isinstance(data["ends_on"], date):
        errors["ends_on"] = ["Not a date."]


def _clean_rule(data: dict, errors: dict) -> None:
    """Clear the fields the frequency does not use, then check the rule itself (once it has a start)."""
    frequency = data.get("frequency")
    if frequency in FREQUENCIES:
        for name in ("interval", "day_of_month", "weekday", "month", "rrule"):
            if name not in USES[frequency]:
                data[name] = 1 if name == "interval" else None
        if frequency == "rrule" and data.get("rrule"):
            data["rrule"] = data["rrule"].strip()
    if "starts_on" not in errors:
        rule = recurrence.Rule(
            frequency=frequency,
            starts_on=data["starts_on"],
            interval=data.get("interval"),
            day_of_month=data.get("day_of_month"),
            weekday=data.get("weekday"),
            month=data.get("month"),
            rrule=data.get("rrule"),
            ends_on=data.get("ends_on") if "ends_on" not in errors else None,
        )
        for name, messages in recurrence.rule_errors(rule).items():
            errors.setdefault(name, []).extend(messages)


def _clean_default_assignee(data: dict, errors: dict, client, task_type) -> None:
    """A default assignee must be someone who could be assigned a task of this type for this client."""
    if data.get("default_assignee_id") and client is not None and task_type is not None:
        task_like = SimpleNamespace(queue_id=task_type.default_queue_id, client_id=client.id)
        try:
            data["default_assignee_id"] = task_services.check_assignee(data["default_assignee_id"], task_like).id
        except ValidationFailed as error:
            errors["default_assignee_id"] = list(error.fields.get("assignee_id") or [error.message])
    else:
        data["default_assignee_id"] = data.get("default_assignee_id") or None


def _clean(actor, values: dict, schedule: RecurringSchedule | None = None) -> dict:
    base = (
        {name: getattr(schedule, name) for name in EDITABLE}
        if schedule is not None
        else {"interval": 1, "due_time": "17:00", "lead_days": 7, "timezone": None}
    )
    data = {**base, **{k: v for k, v in values.items() if k in EDITABLE}}
    errors: dict[str, list[str]] = {}

    client, task_type = _clean_client_and_type(actor, data, errors)
    data["title"] = (data.get("title") or "").strip()[:200] or (task_type.name if task_type is not None else "")
    if not data["title"]:
        errors["title"] = ["Required."]
    _clean_timing(data, errors, client)
    _clean_priority_and_dates(data, errors)
    _clean_rule(data, errors)
    _clean_default_assignee(data, errors, client, task_type)
    if errors:
        raise ValidationFailed("The schedule has invalid fields.", fields=errors)
    data["client_id"], data["task_type_id"] = client.id, task_type.id
    return data


# --- writes ---------------------------------------------------------------------------------------


def create_schedule(actor, values: dict) -> RecurringSchedule:
    if actor is None or actor.role not in ("agency_admin", "staff"):
        raise Forbidden("Only agency staff manage recurring schedules.")
    data = _clean(actor, values)
    schedule = RecurringSchedule(**data)
    db.session.add(schedule)
    db.session.flush()
    audit.record("schedule.created", schedule, client_id=schedule.client_id, frequency=schedule.frequency)
    return schedule


def update_schedule(actor, schedule: RecurringSchedule, values: dict) -> RecurringSchedule:
    """Edit a schedule; tasks it already created stay as they are."""
    _require_manager(actor, schedule.client_id)
    data = _clean(actor, values, schedule)
    audit.record_changes(schedule, data, "schedule.updated", client_id=schedule.client_id)
    return schedule


def pause_schedule(actor, schedule: RecurringSchedule) -> RecurringSchedule:
    _require_manager(actor, schedule.client_id)
    if schedule.paused_at is None:
        schedule.paused_at = utcnow()
        audit.record("schedule.paused", schedule, client_id=schedule.client_id)
    return schedule


def resume_schedule(actor, schedule: RecurringSchedule, now: datetime | None = None) -> RecurringSchedule:
    """Resume a paused schedule. Dates that fell during the pause are skipped: the start moves to today."""
    _require_manager(actor, schedule.client_id)
    if schedule.paused_at is not None:
        today = recurrence.local_today(now or utcnow(), schedule.timezone)
        previous = schedule.starts_on
        schedule.starts_on = max(schedule.starts_on, today)
        if schedule.ends_on is not None and schedule.ends_on < schedule.starts_on:
            schedule.ends_on = schedule.starts_on
        schedule.paused_at = None
        audit.record(
            "schedule.resumed",
            schedule,
            client_id=schedule.client_id,
            starts_on=schedule.starts_on.isoformat(),
            previous_starts_on=previous.isoformat(),
        )
    return schedule


def delete_schedule(actor, schedule: RecurringSchedule) -> None:
    """Delete a schedule; the tasks it created stay and forget where they came from."""
    _require_manager(actor, schedule.client_id)
    # Detach explicitly: the composite foreign key's SET NULL would also null the tasks' agency_id.
    db.session.execute(
        update(Task).where(Task.recurring_schedule_id == schedule.id).values(recurring_schedule_id=None).execution_options(synchronize_session=False)
    )
    audit.record("schedule.deleted", schedule, client_id=schedule.client_id, title=schedule.title)
    db.session.delete(schedule)
    db.session.flush()


# --- dates ----------------------------------------------------------------------------------------


def _instants(schedule: RecurringSchedule, day: date) -> tuple[datetime, datetime]:
    due = recurrence.due_instant(day, schedule.due_time, schedule.timezone)
    create = recurrence.creation_instant(day, schedule.due_time, schedule.timezone, schedule.lead_days)
    return due, create


def preview(schedule: RecurringSchedule, now: datetime | None = None, count: int = 12) -> list[dict]:
    """The next `count` occurrences from today (in the schedule's zone): dates, due and creation instants, any task."""
    now = now or utcnow()
    today = recurrence.local_today(now, schedule.timezone)
    days = list(islice(recurrence.occurrence_dates(recurrence.Rule.of(schedule), today, today + timedelta(days=366 * PREVIEW_YEARS)), count))
    existing = {}
    if days:
        existing = {
            row.occurrence_date: row
            for row in db.session.scalars(select(Task).where(Task.recurring_schedule_id == schedule.id, Task.occurrence_date.in_(days)))
        }
    out = []
    for day in days:
        due, create = _instants(schedule, day)
        out.append(
            {
                "occurrence_date": day,
                "due_at": due,
                "creates_at": create,
                "task": existing.get(day),
                "created": day in existing,
                "due_local": due.astimezone(recurrence.zone(schedule.timezone)),
            }
        )
    return out


def next_occurrence(schedule: RecurringSchedule, now: datetime | None = None) -> date | None:
    items = preview(schedule, now, count=1)
    return items[0]["occurrence_date"] if items else None


# --- the generator --------------------------------------------------------------------------------


def generate_due_tasks(now: datetime | None = None) -> dict:
    """Create every task of the current agency's active schedules whose creation time has come, exactly once.

    Works from database state, so it catches up after downtime (within CATCH_UP_DAYS); a task that a
    concurrent run created first is skipped thanks to the unique (schedule, occurrence date) key.
    """
    now = now or utcnow()
    ids = db.session.scalars(
        select(RecurringSchedule.id)
        .join(Client, Client.id == RecurringSchedule.client_id)
        .where(RecurringSchedule.paused_at.is_(None), Client.archived_at.is_(None))
        .order_by(RecurringSchedule.id)
    ).all()
    created = 0
    for schedule_id in ids:
        # Lock the schedule so two runs do not work it at once; a run that finds it locked leaves it to the other.
        schedule = db.session.scalar(
            select(RecurringSchedule)
            .where(RecurringSchedule.id == schedule_id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if schedule is None or schedule.paused_at is not None:
            continue
        created += _generate_for(schedule, now)
    return {"schedules": len(ids), "created": created}


def _generate_for(schedule: RecurringSchedule, now: datetime) -> int:
    today = recurrence.local_today(now, schedule.timezone)
    window_start = today - timedelta(days=CATCH_UP_DAYS)
    # Every date whose creation instant can have passed: up to lead_days ahead (plus a day for zone offsets).
    last = today + timedelta(days=schedule.lead_days + 1)
    if schedule.starts_on > last or (schedule.ends_on is not None and schedule.ends_on < window_start):
        return 0
    due_days = [day for day in recurrence.occurrence_dates(recurrence.Rule.of(schedule), window_start, last) if _instants(schedule, day)[1] <= now]
    if not due_days:
        return 0
    have = set(db.session.scalars(select(Task.occurrence_date).where(Task.recurring_schedule_id == schedule.id, Task.occurrence_date >= due_days[0])))
    if schedule.starts_on < window_start:
        newest = db.session.scalar(select(func.max(Task.occurrence_date)).where(Task.recurring_schedule_id == schedule.id))
        if newest is None or newest < window_start:
            log.warning(
                "schedule %s: catch-up limited to %s days; occurrences before %s are not created",
                schedule.id,
                CATCH_UP_DAYS,
                window_start.isoformat(),
            )
    created = 0
    for day in due_days:
        if day in have:
            continue
        outcome = _create_occurrence(schedule, day)
        if outcome == "stop":
            break
        created += outcome == "created"
    return created


def _create_occurrence(schedule: RecurringSchedule, day: date) -> str:
    due, _ = _instants(schedule, day)
    task_type = db.session.scalar(select(TaskType).where(TaskType.id == schedule.task_type_id))
    custom = {}
    if any(f.get("key") == "period" and f.get("type") == "date" for f in (task_type.custom_fields or [])):
        custom["period"] = day.isoformat()
    assignee_id = schedule.default_assignee_id
    for attempt in (1, 2):
        try:
            with db.session.begin_nested():
                task_services.create_task(
                    None,
                    client_id=schedule.client_id,
                    task_type_id=schedule.task_type_id,
                    title=f"{schedule.title} – {recurrence.period_label(schedule.frequency, day)}",
                    priority=schedule.priority,
                    assignee_id=assignee_id,
                    due_at=due,
                    custom_values=custom,
                    recurring_schedule_id=schedule.id,
                    occurrence_date=day,
                )
            return "created"
        except IntegrityError:
            log.info("schedule %s: occurrence %s was created by a concurrent run", schedule.id, day.isoformat())
            return "skipped"
        except AppError as error:
            if attempt == 1 and assignee_id is not None and "assignee_id" in (error.fields or {}):
                assignee_id = None  # the default assignee can no longer take it: create it unassigned
                continue
            log.warning("schedule %s: cannot create the task for %s: %s", schedule.id, day.isoformat(), error.message)
            return "stop"
    return "stop"
