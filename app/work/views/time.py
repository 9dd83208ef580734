"""Time pages for agency staff: the weekly timesheet, totals, logging and editing entries, and task timers."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from app.accounts import queries as account_queries
from app.accounts.localtime import tenant_zone
from app.core import dates, localtime
from app.core.errors import AppError, Forbidden, ValidationFailed
from app.core.pages import apply_form_errors, parse_day, render_page, safe_next
from app.core.types import utcnow
from app.extensions import db
from app.work.access import task_for, visible_tasks
from app.work.models import OPEN_STATUSES, Task
from app.work.queries import time as time_queries
from app.work.services import time as time_services
from app.work.services.tasks import task_url
from tenants.models import Client

bp = Blueprint("time", __name__)
ALIASES = {"minutes": "duration", "started_at": "start_time", "ended_at": "end_time", "task_id": "task_id"}
DURATION_RE = re.compile(r"^\s*(?:(\d{1,2})\s*[:h]\s*(\d{1,2})?\s*m?|(\d{1,4})\s*m?|(\d{1,2}(?:\.\d{1,2})?)\s*h)\s*$", re.I)
TASK_CHOICES = 300


@bp.before_request
def _agency_users_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_agency_user:
        raise Forbidden("Time tracking is for agency staff.")
    return None


def parse_duration(text: str | None) -> int | None:
    """ "1:30", "1h30", "90", "90m" or "1.5h" -> 90 minutes; None when empty; ValueError when unreadable."""
    if not text or not text.strip():
        return None
    match = DURATION_RE.match(text)
    if not match:
        raise ValueError(text)
    hours, mins, only_minutes, decimal_hours = match.groups()
    if only_minutes is not None:
        return int(only_minutes)
    if decimal_hours is not None:
        return round(float(decimal_hours) * 60)
    return int(hours) * 60 + int(mins or 0)


class TimeEntryForm(FlaskForm):
    task_id = SelectField("Task", validators=[DataRequired("Choose a task.")])
    work_date = DateField("Date", validators=[DataRequired("Give the day worked."), dates.form_range], default=lambda: _today())
    duration = StringField(
        "Time spent", validators=[Optional(), Length(max=16)], description="Such as 1:30, 1h30, 90 or 1.5h. Or give a start and an end instead."
    )
    start_time = TimeField("Start", validators=[Optional()], description="Your time.")
    end_time = TimeField("End", validators=[Optional()])
    billable = BooleanField("Billable", default=True)
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)], render_kw={"rows": 3}, description="Internal: never shown to the client.")


def _task_choices(selected: Task | None) -> list[tuple[str, str]]:
    stmt = visible_tasks(current_user).where(Task.status.in_(OPEN_STATUSES)).order_by(Task.number.desc()).limit(TASK_CHOICES)
    tasks = list(db.session.scalars(stmt))
    if selected is not None and selected.id not in {t.id for t in tasks}:
        tasks.insert(0, selected)
    names = dict(db.session.execute(select(Client.id, Client.name).where(Client.id.in_({t.client_id for t in tasks}))).all()) if tasks else {}
    return [("", "Choose a task…")] + [(str(t.id), f"{t.reference} · {names.get(t.client_id, '')} · {t.title}") for t in tasks]


def _form_values(form: TimeEntryForm) -> dict:
    """The service's values from the form; an unreadable duration is a field error."""
    values = {"billable": form.billable.data, "note": form.note.data}
    if form.start_time.data or form.end_time.data:
        day = form.work_date.data
        # Start and end are read on the viewer's wall clock, like every time people type.
        values["started_at"] = localtime.combine_local(day, form.start_time.data) if form.start_time.data else None
        values["ended_at"] = localtime.combine_local(day, form.end_time.data) if form.end_time.data else None
        if values["started_at"] and values["ended_at"] and values["ended_at"] <= values["started_at"]:
            values["ended_at"] += timedelta(days=1)  # past midnight
        if values["started_at"] is None:
            raise ValidationFailed("Give both the start and the end.", fields={"started_at": ["Required with the end."]})
        if values["ended_at"] is None:
            raise ValidationFailed("Give both the start and the end.", fields={"ended_at": ["Required with the start."]})
        return values
    try:
        values["minutes"] = parse_duration(form.duration.data)
    except ValueError:
        raise ValidationFailed("Give the time spent as 1:30, 90 or 1.5h.", fields={"minutes": ["Not a duration."]}) from None
    values["work_date"] = form.work_date.data
    return values


def _today() -> date:
    """Today on the agency's calendar (timesheets and totals count the agency's days)."""
    return localtime.today(utcnow(), tenant_zone())


def _local_day(instant) -> date:
    return localtime.today(instant, tenant_zone())


def _back(default: str):
    return redirect(safe_next(request.values.get("next")) or default)


# --- timesheet and totals -------------------------------------------------------------------------


@bp.route("/time")
def timesheet():
    today = _today()
    try:
        monday = time_queries.parse_week(request.args.get("week"), today)
    except ValidationFailed as error:
        flash(error.message, "warning")
        monday = time_queries.parse_week(None, today)
    user = time_queries.timesheet_user(current_user, request.args.get("user"))
    sheet = time_queries.timesheet(user, monday)
    people = account_queries.active_staff() if current_user.is_agency_admin else []
    # Time logged on a task now outside the viewer's reach still counts, but its number, title and link are not shown.
    tasks = time_queries.tasks_by_id((e.task_id for e in sheet.entries), viewer=current_user)
    return render_page(
        "work/time/timesheet.html",
        sheet=sheet,
        user=user,
        people=people,
        tasks=tasks,
        today=today,
        prev_week=time_queries.week_label(monday - timedelta(days=7)),
        next_week=time_queries.week_label(monday + timedelta(days=7)),
        this_week=time_queries.week_label(today - timedelta(days=today.weekday())),
        may_change=lambda e: time_services.may_change(current_user, e),
        fmt=time_queries.format_minutes,
    )


@bp.route("/time/totals")
def totals():
    args = request.args
    group = args.get("group") if args.get("group") in time_queries.GROUPS else "client"
    today = _today()
    date_from = parse_day(args.get("from")) or today.replace(day=1)
    date_to = parse_day(args.get("to")) or today
    billable = {"yes": True, "no": False}.get(args.get("billable"))
    user_id = args.get("user") if current_user.is_agency_admin else None
    user_filter = time_queries.timesheet_user(current_user, user_id).id if user_id else None
    items = time_queries.totals(current_user, group, date_from=date_from, date_to=date_to, billable=billable, user_id=user_filter)
    if args.get("sort") == "name":
        items.sort(key=lambda i: i["label"].lower())
    people = account_queries.active_staff() if current_user.is_agency_admin else []
    return render_page(
        "work/time/totals.html",
        items=items,
        group=group,
        date_from=date_from,
        date_to=date_to,
        groups=time_queries.GROUPS,
        billable=args.get("billable") or "",
        people=people,
        user_id=user_id or "",
        sort=args.get("sort") or "minutes",
        total=sum(i["minutes"] for i in items),
        billable_total=sum(i["billable_minutes"] for i in items),
        fmt=time_queries.format_minutes,
    )


# --- entries ---------------------------------------------------------------------------------------


@bp.route("/time/new", methods=["GET", "POST"])
def new_entry():
    selected = task_for(current_user, request.values["task_id"]) if _is_uuid(request.values.get("task_id")) else None
    form = TimeEntryForm(task_id=str(selected.id) if selected else "")
    form.task_id.choices = _task_choices(selected)
    context = {"form": form, "entry": None, "next_url": safe_next(request.values.get("next")) or ""}
    if not form.validate_on_submit():
        return render_page("work/time/form.html", 422 if form.is_submitted() else 200, **context)
    try:
        task = task_for(current_user, form.task_id.data)
        entry = time_services.create_entry(current_user, task, _form_values(form))
    except AppError as error:
        apply_form_errors(form, error, ALIASES)
        return render_page("work/time/form.html", error.status, error=error.message, **context)
    flash(f"Logged {time_queries.format_minutes(entry.minutes)} on {task.reference}.", "success")
    return _back(url_for("time.timesheet", week=_week_of(_local_day(entry.started_at))))


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


@bp.route("/time/<uuid:time_entry_id>/edit", methods=["GET", "POST"])
def edit_entry(time_entry_id):
    entry = time_queries.entry_for(current_user, time_entry_id)
    if not time_services.may_change(current_user, entry):
        raise Forbidden("Billed entries, and other people's entries, cannot be changed.")
    task = db.session.scalar(select(Task).where(Task.id == entry.task_id))
    form = TimeEntryForm(
        obj=None,
        task_id=str(task.id),
        work_date=_local_day(entry.started_at),
        duration=time_queries.format_minutes(entry.minutes) if entry.minutes else "",
        billable=entry.billable,
        note=entry.note or "",
    )
    form.task_id.choices = [(str(task.id), f"{task.reference} · {task.title}")]
    context = {"form": form, "entry": entry, "task": task, "next_url": safe_next(request.values.get("next")) or ""}
    if not form.validate_on_submit():
        return render_page("work/time/form.html", 422 if form.is_submitted() else 200, **context)
    try:
        values = _form_values(form)
        if entry.ended_at is None:
            values = {"billable": values["billable"], "note": values["note"]}
        time_services.update_entry(current_user, entry, values)
    except AppError as error:
        apply_form_errors(form, error, ALIASES)
        return render_page("work/time/form.html", error.status, error=error.message, **context)
    flash("Time entry saved.", "success")
    return _back(
        url_for("time.timesheet", user=entry.user_id if entry.user_id != current_user.id else None, week=_week_of(_local_day(entry.started_at)))
    )


@bp.route("/time/<uuid:time_entry_id>/delete", methods=["POST"])
def delete_entry(time_entry_id):
    entry = time_queries.entry_for(current_user, time_entry_id)
    week = _week_of(_local_day(entry.started_at))
    owner = entry.user_id
    time_services.delete_entry(current_user, entry)
    flash("Time entry deleted.", "success")
    return _back(url_for("time.timesheet", user=owner if owner != current_user.id else None, week=week))


# --- timers ----------------------------------------------------------------------------------------


@bp.route("/tasks/<uuid:task_id>/timer/start", methods=["POST"])
def start_timer(task_id):
    task = task_for(current_user, task_id)
    running = time_queries.running_entry(current_user.id)
    time_services.start_timer(current_user, task)
    stopped = running is not None and running.task_id != task.id
    flash(f"Timer started on {task.reference}." + (" Your other timer was stopped and its time logged." if stopped else ""), "success")
    return _back(task_url(task))


@bp.route("/tasks/<uuid:task_id>/timer/stop", methods=["POST"])
def stop_timer(task_id):
    task = task_for(current_user, task_id)
    entry = time_services.stop_timer(current_user, task)
    flash(f"Timer stopped: {time_queries.format_minutes(entry.minutes)} logged on {task.reference}.", "success")
    return _back(task_url(task))


@bp.route("/time/timer/stop", methods=["POST"])
def stop_running():
    entry = time_services.stop_timer(current_user)
    flash(f"Timer stopped: {time_queries.format_minutes(entry.minutes)} logged.", "success")
    return _back(url_for("time.timesheet"))


def _week_of(day: date) -> str:
    return time_queries.week_label(day - timedelta(days=day.weekday()))
