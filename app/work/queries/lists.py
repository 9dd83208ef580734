"""The work lists: My work, a queue, one client, every task in reach; per-client counts; workload; CSV rows."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, func, select

from app.accounts.localtime import tenant_zone
from app.accounts.models import User
from app.catalog.models import ServiceLine, TaskType
from app.core import localtime
from app.core.types import utcnow
from app.extensions import db
from app.work import events
from app.work.access import visible_tasks
from app.work.models import PRIORITIES, Queue, Task, TimeEntry
from app.work.queries.filters import TaskFilters, apply_filters
from app.work.queries.keyset import MAX_LIMIT, TaskPage, task_page
from tenants.context import current_tenant
from tenants.models import Client

VIEWS = ("my_work", "queue", "client", "tasks")


def tasks_in_reach(actor) -> Select:
    """The actor's visible tasks, with the agency stated explicitly (RLS and the ORM scope say it too)."""
    return visible_tasks(actor).where(Task.agency_id == current_tenant().agency_id)


def list_statement(actor, filters: TaskFilters, *, view: str = "tasks", queue_id=None, client_id=None) -> Select:
    if view == "my_work":
        # Whoever is assigned a task may always see it, so My work needs no reach filter (nor its look-ups).
        stmt = select(Task).where(Task.agency_id == current_tenant().agency_id, Task.assignee_id == actor.id)
        filters = TaskFilters(**{**filters.__dict__, "assignee": None})
    elif view == "queue":
        stmt = tasks_in_reach(actor).where(Task.queue_id == queue_id)
    elif view == "client":
        stmt = tasks_in_reach(actor).where(Task.client_id == client_id)
    else:
        stmt = tasks_in_reach(actor)
    return apply_filters(stmt, filters, actor)


def list_tasks(
    actor,
    filters: TaskFilters,
    *,
    view: str = "tasks",
    queue_id=None,
    client_id=None,
    limit=None,
    cursor: str | None = None,
    max_limit: int = MAX_LIMIT,
) -> TaskPage:
    """One keyset page of a work list, in the filters' sort order."""
    stmt = list_statement(actor, filters, view=view, queue_id=queue_id, client_id=client_id)
    return task_page(stmt, filters.sort, limit=limit, cursor=cursor, max_limit=max_limit)


def sla_counts(actor, view: str = "my_work") -> dict:
    """Open tasks per SLA state (on track, at risk, breached, paused) in one of the actor's lists."""
    from app.work.queries.sla_state import FILTER_STATES

    counts = {}
    for state in FILTER_STATES:
        stmt = list_statement(actor, TaskFilters(sla=state), view=view)
        counts[state] = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    return counts


def labels_for(tasks, *, clocks: bool = True) -> dict:
    """Names to show beside tasks (client, type, service line, queue, assignee), read once per page.

    With `clocks`, what the page draws each task's SLA clock from is read for the whole page too (see events).
    """
    tasks = list(tasks)
    if clocks and tasks:
        events.tasks_listed.send(None, tasks=tasks)

    def names(model, ids, attr="name"):
        ids = {i for i in ids if i is not None}
        if not ids:
            return {}
        return dict(db.session.execute(select(model.id, getattr(model, attr)).where(model.id.in_(ids))).all())

    types = {}
    if tasks:
        rows = db.session.execute(
            select(TaskType.id, TaskType.name, ServiceLine.name)
            .join(ServiceLine, ServiceLine.id == TaskType.service_line_id)
            .where(TaskType.id.in_({t.task_type_id for t in tasks}))
        ).all()
        types = {row[0]: (row[1], row[2]) for row in rows}
    return {
        "clients": names(Client, (t.client_id for t in tasks)),
        "queues": names(Queue, (t.queue_id for t in tasks)),
        "users": names(User, (t.assignee_id for t in tasks)),
        "types": {k: v[0] for k, v in types.items()},
        "lines": {k: v[1] for k, v in types.items()},
    }


# --- all clients -----------------------------------------------------------------------------


def _today(now: datetime) -> tuple[datetime, datetime]:
    """Today on the agency's calendar, as [start, end) in UTC."""
    zone = tenant_zone()
    day = localtime.today(now, zone)
    return localtime.day_range(day, day, zone)


def client_counts(actor, client_ids, filters: TaskFilters | None = None, now: datetime | None = None) -> dict:
    """Per client: open, waiting on client, due today and overdue tasks in the actor's reach."""
    if not client_ids:
        return {}
    now = now or utcnow()
    start, end = _today(now)
    filters = TaskFilters(
        **{**(filters or TaskFilters()).__dict__, "status": "open", "due": None, "due_from": None, "due_to": None, "client_id": None, "q": None}
    )
    stmt = apply_filters(tasks_in_reach(actor).where(Task.client_id.in_(list(client_ids))), filters, actor, now)
    stmt = stmt.with_only_columns(
        Task.client_id,
        func.count(),
        func.count().filter(Task.status == "waiting_on_client"),
        func.count().filter(Task.due_at >= start, Task.due_at < end),
        func.count().filter(Task.due_at < now),
    ).group_by(Task.client_id)
    return {row[0]: {"open": row[1], "waiting": row[2], "due_today": row[3], "overdue": row[4]} for row in db.session.execute(stmt)}


# --- workload --------------------------------------------------------------------------------


def week_start(now: datetime) -> datetime:
    """Monday 00:00 of the agency's week (workload hours "this week" are the agency's week)."""
    zone = tenant_zone()
    return localtime.day_start(localtime.week_monday(now, zone), zone)


def workload(actor, now: datetime | None = None) -> list[dict]:
    """Per active agency user: open tasks by priority, and minutes logged this week and in the last 7 days.

    Counted over the tasks the viewer can see (admins: all).
    """
    now = now or utcnow()
    people = list(db.session.scalars(select(User).where(User.role.in_(("agency_admin", "staff")), User.deactivated_at.is_(None)).order_by(User.name)))
    open_stmt = (
        tasks_in_reach(actor)
        .where(Task.closed_at.is_(None), Task.assignee_id.is_not(None))
        .with_only_columns(Task.assignee_id, Task.priority, func.count())
        .group_by(Task.assignee_id, Task.priority)
    )
    counts: dict = {}
    for assignee_id, priority, n in db.session.execute(open_stmt):
        counts.setdefault(assignee_id, {})[priority] = n
    since_week, since_7 = week_start(now), now - timedelta(days=7)
    minutes_stmt = (
        select(
            TimeEntry.user_id,
            func.coalesce(func.sum(TimeEntry.minutes).filter(TimeEntry.started_at >= since_week), 0),
            func.coalesce(func.sum(TimeEntry.minutes).filter(TimeEntry.started_at >= since_7), 0),
        )
        .where(TimeEntry.agency_id == current_tenant().agency_id, TimeEntry.started_at >= min(since_week, since_7), TimeEntry.minutes.is_not(None))
        .group_by(TimeEntry.user_id)
    )
    if actor.role == "staff":  # admins reach every task, so every entry of the agency counts
        minutes_stmt = minutes_stmt.where(TimeEntry.task_id.in_(tasks_in_reach(actor).with_only_columns(Task.id)))
    minutes = {row[0]: (int(row[1]), int(row[2])) for row in db.session.execute(minutes_stmt)}
    rows = []
    for person in people:
        by_priority = {p: counts.get(person.id, {}).get(p, 0) for p in PRIORITIES}
        week, last_7 = minutes.get(person.id, (0, 0))
        rows.append({"user": person, "by_priority": by_priority, "open": sum(by_priority.values()), "minutes_week": week, "minutes_7_days": last_7})
    return rows


# --- CSV -------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "reference",
    "client",
    "service",
    "type",
    "title",
    "status",
    "priority",
    "assignee",
    "due",
    "created",
    "sla_state",
    "first_response_due",
    "resolution_due",
)
