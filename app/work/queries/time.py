"""Time entry reads: who sees which entries, filtered lists, totals per task, client, user or period, and timesheets."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, or_, select

from app.accounts.localtime import tenant_zone
from app.accounts.models import User
from app.core import localtime
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.extensions import db
from app.work.access import visible_tasks
from app.work.models import Task, TimeEntry
from tenants.lookup import get_in_tenant, note_foreign_id
from tenants.models import Client

GROUPS = ("task", "client", "user")


def require_agency_user(actor) -> None:
    """Time is agency-internal: client users never read or write it."""
    if actor is None or actor.role not in ("agency_admin", "staff"):
        raise Forbidden("Time tracking is for agency staff.")


def visible_entries(actor) -> Select:
    """Admins see every entry of the agency; staff their own. Client users never reach this."""
    require_agency_user(actor)
    stmt = select(TimeEntry)
    if actor.role != "agency_admin":
        stmt = stmt.where(TimeEntry.user_id == actor.id)
    return stmt


def entry_for(actor, time_entry_id) -> TimeEntry:
    """An entry the actor may see; 404 otherwise (other tenants' ids are logged)."""
    require_agency_user(actor)
    entry = get_in_tenant(TimeEntry, time_entry_id)
    if entry is None or (actor.role != "agency_admin" and entry.user_id != actor.id):
        note_foreign_id(TimeEntry, time_entry_id)
        raise NotFound()
    return entry


def _day_start(day: date) -> datetime:
    """Where a day of the agency begins (entries are counted on the agency's days, whoever logged them)."""
    return localtime.day_start(day, tenant_zone())


def _filtered(stmt: Select, *, user_id=None, task_id=None, client_id=None, date_from=None, date_to=None, billable=None) -> Select:
    if user_id:
        stmt = stmt.where(TimeEntry.user_id == user_id)
    if task_id:
        stmt = stmt.where(TimeEntry.task_id == task_id)
    if client_id:
        stmt = stmt.where(TimeEntry.client_id == client_id)
    if date_from:
        stmt = stmt.where(TimeEntry.started_at >= _day_start(date_from))
    if date_to:
        stmt = stmt.where(TimeEntry.started_at < _day_start(date_to + timedelta(days=1)))
    if billable is not None:
        stmt = stmt.where(TimeEntry.billable.is_(bool(billable)))
    return stmt


def list_entries(actor, *, limit=None, cursor=None, **filters) -> Page:
    """Newest first, with a keyset over (started_at, id) descending."""
    stmt = _filtered(visible_entries(actor), **filters)
    limit = min(max(int(limit or DEFAULT_LIMIT), 1), MAX_LIMIT)
    if cursor:
        started, last_id = decode_cursor(cursor)
        try:
            started, last_id = datetime.fromisoformat(started), uuid.UUID(last_id)
            if started.tzinfo is None:
                raise ValueError
        except (TypeError, ValueError, AttributeError):
            raise ValidationFailed("The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]}) from None
        stmt = stmt.where(or_(TimeEntry.started_at < started, and_(TimeEntry.started_at == started, TimeEntry.id < last_id)))
    rows = list(db.session.scalars(stmt.order_by(TimeEntry.started_at.desc(), TimeEntry.id.desc()).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].started_at.isoformat(), rows[-1].id])
    return Page(rows, next_cursor)


def totals(actor, group: str, **filters) -> list[dict]:
    """Finished minutes (all and billable) per task, client or user, largest first."""
    if group not in GROUPS:
        raise ValidationFailed("Group by task, client or user.", fields={"group": [f"Must be one of: {', '.join(GROUPS)}."]})
    require_agency_user(actor)
    column = {"task": TimeEntry.task_id, "client": TimeEntry.client_id, "user": TimeEntry.user_id}[group]
    minutes = func.coalesce(func.sum(TimeEntry.minutes), 0)
    billable = func.coalesce(func.sum(case((TimeEntry.billable.is_(True), TimeEntry.minutes), else_=0)), 0)
    stmt = select(column, minutes, billable, func.count(TimeEntry.id)).where(TimeEntry.ended_at.is_not(None))
    if actor.role != "agency_admin":
        stmt = stmt.where(TimeEntry.user_id == actor.id)
    stmt = _filtered(stmt, **filters).group_by(column)
    rows = db.session.execute(stmt).all()
    labels = _labels(group, [row[0] for row in rows])
    out = [
        {
            "group": group,
            "id": row[0],
            "label": labels.get(row[0], "—"),
            "minutes": int(row[1]),
            "billable_minutes": int(row[2]),
            "entries": int(row[3]),
        }
        for row in rows
    ]
    return sorted(out, key=lambda item: (-item["minutes"], item["label"]))


def _labels(group: str, ids: list) -> dict:
    if not ids:
        return {}
    if group == "task":
        rows = db.session.execute(select(Task.id, Task.reference, Task.title).where(Task.id.in_(ids)))
        return {row[0]: f"{row[1]} {row[2]}" for row in rows}
    model = Client if group == "client" else User
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


# --- timesheets --------------------------------------------------------------------------------


def parse_week(value: str | None, today: date) -> date:
    """The Monday of an ISO week given as 2026-W47 (this week when empty); 422 when unreadable."""
    if not value:
        return today - timedelta(days=today.weekday())
    try:
        year, week = value.strip().upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except (ValueError, TypeError):
        raise ValidationFailed("Give the week as YYYY-Www, for example 2026-W47.", fields={"week": ["Not an ISO week."]}) from None


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class TaskRow:
    task: Task
    client_name: str
    days: list[int] = field(default_factory=lambda: [0] * 7)

    @property
    def total(self) -> int:
        return sum(self.days)


@dataclass
class Timesheet:
    user: User
    monday: date
    entries: list[TimeEntry]
    rows: list[TaskRow]
    day_totals: list[int]
    client_totals: list[tuple[str, int, int]]
    billable_total: int
    running: TimeEntry | None
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))  # whose days these are: the agency's

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=i) for i in range(7)]

    @property
    def total(self) -> int:
        return sum(self.day_totals)

    @property
    def label(self) -> str:
        return week_label(self.monday)


def timesheet_user(actor, user_id) -> User:
    """Whose timesheet: your own, or (admins) any agency user's."""
    require_agency_user(actor)
    if not user_id or str(user_id) == str(actor.id):
        return actor
    user = get_in_tenant(User, user_id)
    if actor.role != "agency_admin" or user is None or not user.is_agency_user:
        raise NotFound()
    return user


def timesheet(user: User, monday: date) -> Timesheet:
    """One user's week (the agency's days): per-task rows with daily minutes, daily and per-client totals."""
    zone = tenant_zone()
    start, end = _day_start(monday), _day_start(monday + timedelta(days=7))
    entries = list(
        db.session.scalars(
            select(TimeEntry)
            .where(TimeEntry.user_id == user.id, TimeEntry.started_at >= start, TimeEntry.started_at < end)
            .order_by(TimeEntry.started_at, TimeEntry.id)
        )
    )
    tasks = {t.id: t for t in db.session.scalars(select(Task).where(Task.id.in_({e.task_id for e in entries})))} if entries else {}
    client_names = (
        dict(db.session.execute(select(Client.id, Client.name).where(Client.id.in_({t.client_id for t in tasks.values()}))).all()) if tasks else {}
    )
    rows: dict = {}
    day_totals = [0] * 7
    per_client: dict = defaultdict(lambda: [0, 0])
    billable_total = 0
    for entry in entries:
        if entry.minutes is None:
            continue  # a running timer counts once it stops
        task = tasks[entry.task_id]
        row = rows.setdefault(task.id, TaskRow(task, client_names.get(task.client_id, "—")))
        index = (localtime.today(entry.started_at, zone) - monday).days
        row.days[index] += entry.minutes
        day_totals[index] += entry.minutes
        per_client[row.client_name][0] += entry.minutes
        if entry.billable:
            per_client[row.client_name][1] += entry.minutes
            billable_total += entry.minutes
    running = db.session.scalar(select(TimeEntry).where(TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None)))
    return Timesheet(
        user=user,
        monday=monday,
        entries=entries,
        rows=sorted(rows.values(), key=lambda r: (r.client_name, r.task.reference)),
        day_totals=day_totals,
        client_totals=sorted(((name, v[0], v[1]) for name, v in per_client.items()), key=lambda c: -c[1]),
        billable_total=billable_total,
        running=running,
        zone=zone,
    )


def task_minutes(task_id) -> int:
    """Finished minutes on one task by everyone (for the task page's summary)."""
    return int(
        db.session.scalar(select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(TimeEntry.task_id == task_id, TimeEntry.ended_at.is_not(None)))
        or 0
    )


def tasks_by_id(ids, viewer=None) -> dict:
    """Tasks by id; with a viewer, only those within the viewer's reach."""
    ids = set(ids)
    stmt = visible_tasks(viewer) if viewer is not None else select(Task)
    return {t.id: t for t in db.session.scalars(stmt.where(Task.id.in_(ids)))} if ids else {}


def format_minutes(minutes: int | None) -> str:
    """90 -> "1:30"."""
    if minutes is None:
        return "—"
    return f"{minutes // 60}:{minutes % 60:02d}"


def running_entry(user_id) -> TimeEntry | None:
    """The user's running timer, if any (one at most)."""
    return db.session.scalar(select(TimeEntry).where(TimeEntry.user_id == user_id, TimeEntry.ended_at.is_(None)))
