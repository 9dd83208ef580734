"""Recurring work pages: schedules of the agency and of one client, the schedule form, pause/resume and the preview."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.accounts import queries as account_queries
from app.catalog.models import TaskType
from app.clients import queries as client_queries
from app.core import dates, localtime
from app.core.errors import AppError, Forbidden
from app.core.pages import apply_form_errors, render_page
from app.core.types import utcnow
from app.extensions import db
from app.work import recurrence
from app.work.access import can_see
from app.work.models import FREQUENCIES, PRIORITIES
from app.work.queries import schedules as schedule_queries
from app.work.services import recurrence as schedule_services
from app.work.services.tasks import task_url
from tenants.models import Client

bp = Blueprint("schedules", __name__)
PER_PAGE = 50


@bp.before_request
def _agency_users_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_agency_user:
        raise Forbidden("Recurring work is managed by agency staff.")
    return None


@cache
def _zones() -> list[tuple[str, str]]:
    from zoneinfo import available_timezones

    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    return [("", "The client's time zone"), ("UTC", "UTC")] + [(z, z.replace("_", " ")) for z in zones]


class ScheduleForm(FlaskForm):
    client_id = SelectField("Client", validators=[DataRequired("Choose a client.")])
    task_type_id = SelectField("Task type", validators=[DataRequired("Choose a task type.")])
    title = StringField(
        "Title",
        validators=[Optional(), Length(max=200)],
        description="Each task is named after it and its period, e.g. “Month-end close – November 2026”. Defaults to the task type's name.",
    )
    frequency = SelectField("Repeats", choices=[(f, recurrence.FREQUENCY_LABELS[f]) for f in FREQUENCIES])
    interval = IntegerField(
        "Every",
        default=1,
        validators=[Optional(), NumberRange(1, 52)],
        description="Every N months (monthly), weeks (weekly), quarters or years. 1 = every time.",
    )
    day_of_month = IntegerField(
        "Day of the month",
        validators=[Optional(), NumberRange(1, 31)],
        description="Monthly, quarterly and yearly. 29–31 fall on the last day of shorter months.",
    )
    weekday = SelectField(
        "Weekday", choices=[("", "—")] + [(str(i), name) for i, name in enumerate(recurrence.WEEKDAYS)], description="Weekly schedules only."
    )
    month = IntegerField(
        "Month",
        validators=[Optional(), NumberRange(1, 12)],
        description="Yearly: the month (1–12). Quarterly: 1, 2 or 3 for the first, second or third month of each quarter.",
    )
    rrule = StringField(
        "Custom rule (RRULE)",
        validators=[Optional(), Length(max=500)],
        description="For “Custom rule” only, e.g. FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1 (the first Monday).",
    )
    due_time = StringField(
        "Due at",
        default="17:00",
        validators=[DataRequired("Give a time as HH:MM."), Length(max=5)],
        description="Time of day (HH:MM) on the occurrence date, in the time zone beside it (not yours).",
    )
    timezone = SelectField("Time zone", default="", description="The due time is read on this clock; by default the client's.")
    lead_days = IntegerField("Create the task", default=7, validators=[Optional(), NumberRange(0, 366)], description="Days before it is due.")
    default_assignee_id = SelectField("Assign to", default="")
    priority = SelectField("Priority", choices=[("", "The task type's default")] + [(p, p.capitalize()) for p in PRIORITIES], default="")
    starts_on = DateField("Starts on", validators=[DataRequired("Give the first date the schedule may fall on."), dates.form_range])
    ends_on = DateField("Ends on", validators=[Optional(), dates.form_range])


def _form(schedule=None, client_id: str | None = None) -> ScheduleForm:
    defaults = {}
    if schedule is None:
        defaults = {"client_id": client_id or "", "starts_on": utcnow().date()}
    form = ScheduleForm(obj=schedule, **defaults)
    if request.method == "GET" and schedule is not None:
        form.client_id.data, form.task_type_id.data = str(schedule.client_id), str(schedule.task_type_id)
        form.weekday.data = "" if schedule.weekday is None else str(schedule.weekday)
        form.default_assignee_id.data = str(schedule.default_assignee_id) if schedule.default_assignee_id else ""
        form.priority.data = schedule.priority or ""
    clients = list(db.session.scalars(client_queries.visible_clients(current_user).order_by(Client.name)))
    form.client_id.choices = [("", "Choose a client…")] + [
        (str(c.id), c.name) for c in clients if c.archived_at is None or (schedule is not None and c.id == schedule.client_id)
    ]
    types = list(db.session.scalars(select(TaskType).where(TaskType.archived_at.is_(None)).order_by(TaskType.name)))
    form.task_type_id.choices = [("", "Choose a task type…")] + [(str(t.id), t.name) for t in types]
    form.timezone.choices = _zones()
    if schedule is not None and schedule.timezone not in {v for v, _ in form.timezone.choices}:
        form.timezone.choices = [(schedule.timezone, schedule.timezone)] + form.timezone.choices
    form.default_assignee_id.choices = [("", "Nobody (the queue picks it up)")] + [(str(u.id), u.name) for u in account_queries.active_staff()]
    return form


def _values(form: ScheduleForm) -> dict:
    return {
        "client_id": form.client_id.data,
        "task_type_id": form.task_type_id.data,
        "title": form.title.data or "",
        "frequency": form.frequency.data,
        "interval": form.interval.data or 1,
        "day_of_month": form.day_of_month.data,
        "weekday": int(form.weekday.data) if form.weekday.data not in (None, "") else None,
        "month": form.month.data,
        "rrule": (form.rrule.data or "").strip() or None,
        "due_time": (form.due_time.data or "").strip(),
        "timezone": form.timezone.data or None,
        "lead_days": form.lead_days.data if form.lead_days.data is not None else 7,
        "default_assignee_id": form.default_assignee_id.data or None,
        "priority": form.priority.data or None,
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
    }


# --- lists -----------------------------------------------------------------------------------------


def _list(template_client=None):
    args = request.args
    status = args.get("status") if args.get("status") in schedule_queries.STATUSES else "all"
    sort = args.get("sort") if args.get("sort") in schedule_queries.SORTS else "title"
    frequency = args.get("frequency") if args.get("frequency") in FREQUENCIES else None
    q = (args.get("q") or "").strip()[:100] or None
    client_id = template_client.id if template_client is not None else (args.get("client") or None)
    task_type_id = args.get("task_type") or None
    try:
        page = max(1, int(args.get("page") or 1))
    except ValueError:
        page = 1
    filters = {"client_id": _uuid_or_none(client_id), "task_type_id": _uuid_or_none(task_type_id), "status": status, "frequency": frequency, "q": q}
    rows, has_more = schedule_queries.schedule_page(current_user, sort=sort, page=page, per_page=PER_PAGE, **filters)
    now = utcnow()
    return render_page(
        "work/schedules/index.html",
        schedules=rows,
        has_more=has_more,
        page=page,
        status=status,
        sort=sort,
        q=q or "",
        frequency=frequency or "",
        client=template_client,
        client_filter=str(client_id or ""),
        task_type_filter=task_type_id or "",
        clients=list(db.session.scalars(client_queries.visible_clients(current_user).order_by(Client.name))),
        task_types=list(db.session.scalars(select(TaskType).order_by(TaskType.name))),
        client_names=schedule_queries.client_names(r.client_id for r in rows),
        type_names=schedule_queries.task_type_names(r.task_type_id for r in rows),
        next_dates={r.id: schedule_services.next_occurrence(r, now) for r in rows},
        describe=lambda s: recurrence.describe(recurrence.Rule.of(s)),
        labels=recurrence.FREQUENCY_LABELS,
        may_manage=lambda s: schedule_services.may_manage(current_user, s.client_id),
    )


def _uuid_or_none(value):
    import uuid

    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


@bp.route("/schedules")
def index():
    return _list()


@bp.route("/clients/<uuid:client_id>/schedules")
def client_schedules(client_id):
    return _list(client_queries.client_for(current_user, client_id))


# --- one schedule ----------------------------------------------------------------------------------


@bp.route("/schedules/new", methods=["GET", "POST"])
def new():
    form = _form(client_id=request.args.get("client_id"))
    if not form.validate_on_submit():
        return render_page("work/schedules/form.html", 422 if form.is_submitted() else 200, form=form, schedule=None)
    try:
        schedule = schedule_services.create_schedule(current_user, _values(form))
    except AppError as error:
        apply_form_errors(form, error)
        return render_page("work/schedules/form.html", error.status, form=form, schedule=None, error=error.message)
    flash(f"Schedule “{schedule.title}” created. Its next dates are below.", "success")
    return redirect(url_for("schedules.detail", schedule_id=schedule.id))


@bp.route("/schedules/<uuid:schedule_id>")
def detail(schedule_id):
    schedule = schedule_queries.schedule_for(current_user, schedule_id)
    names = schedule_queries.client_names([schedule.client_id])
    preview = schedule_services.preview(schedule)
    for item in preview:  # a task the viewer cannot open is shown as its creation time, not its number
        if item.get("task") is not None and not can_see(current_user, item["task"]):
            item["task"] = None
    return render_page(
        "work/schedules/detail.html",
        schedule=schedule,
        preview=preview,
        client_name=names.get(schedule.client_id, "—"),
        type_name=schedule_queries.task_type_names([schedule.task_type_id]).get(schedule.task_type_id, "—"),
        assignee=next((u for u in account_queries.active_staff() if u.id == schedule.default_assignee_id), None),
        recent=schedule_queries.recent_tasks(schedule, current_user),
        task_url=task_url,
        description=recurrence.describe(recurrence.Rule.of(schedule)),
        may_manage=schedule_services.may_manage(current_user, schedule.client_id),
    )


@bp.route("/schedules/<uuid:schedule_id>/edit", methods=["GET", "POST"])
def edit(schedule_id):
    schedule = schedule_queries.schedule_for(current_user, schedule_id)
    if not schedule_services.may_manage(current_user, schedule.client_id):
        raise Forbidden("Only agency admins and the staff serving this client manage its schedules.")
    form = _form(schedule)
    if not form.validate_on_submit():
        return render_page("work/schedules/form.html", 422 if form.is_submitted() else 200, form=form, schedule=schedule)
    try:
        schedule_services.update_schedule(current_user, schedule, _values(form))
    except AppError as error:
        apply_form_errors(form, error)
        return render_page("work/schedules/form.html", error.status, form=form, schedule=schedule, error=error.message)
    flash("Schedule saved. Tasks it already created are unchanged.", "success")
    return redirect(url_for("schedules.detail", schedule_id=schedule.id))


@bp.route("/schedules/<uuid:schedule_id>/pause", methods=["POST"])
def pause(schedule_id):
    schedule = schedule_services.pause_schedule(current_user, schedule_queries.schedule_for(current_user, schedule_id))
    flash(f"“{schedule.title}” is paused: no tasks are created until you resume it.", "success")
    return redirect(url_for("schedules.detail", schedule_id=schedule.id))


@bp.route("/schedules/<uuid:schedule_id>/resume", methods=["POST"])
def resume(schedule_id):
    schedule = schedule_services.resume_schedule(current_user, schedule_queries.schedule_for(current_user, schedule_id))
    flash(f"“{schedule.title}” is running again from {localtime.format_day(schedule.starts_on)}; dates during the pause were skipped.", "success")
    return redirect(url_for("schedules.detail", schedule_id=schedule.id))


@bp.route("/schedules/<uuid:schedule_id>/delete", methods=["POST"])
def delete(schedule_id):
    schedule = schedule_queries.schedule_for(current_user, schedule_id)
    title, client_id = schedule.title, schedule.client_id
    schedule_services.delete_schedule(current_user, schedule)
    flash(f"Schedule “{title}” deleted. The tasks it created are kept.", "success")
    return redirect(url_for("schedules.client_schedules", client_id=client_id))
