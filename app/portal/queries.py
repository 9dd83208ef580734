"""Reads for the portal, always within the signed-in client user's own company (the tenant scope says so too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.accounts.localtime import tenant_zone
from app.catalog.models import ClientService, ServiceLine, TaskType
from app.core import localtime
from app.core.errors import NotFound
from app.core.types import utcnow
from app.core.visibility import client_visible
from app.extensions import db
from app.sla.queries.reports import ReportScope, sla_report
from app.work.models import Activity, Attachment, Comment, RecurringSchedule, Task
from app.work.queries import activity as activity_queries
from app.work.queries import approvals as approval_queries
from app.work.queries import documents as document_queries
from app.work.services import recurrence
from tenants.context import as_agency
from tenants.lookup import get_or_404

RECENT_DAYS = 30
UPCOMING_DAYS = 45
SHARED_TIMELINE = 50


def request_for(user, task_id) -> Task:
    """One of the user's company's requests; 404 for anything else (another client's, another agency's, unknown)."""
    task = get_or_404(Task, task_id)
    if task.client_id != user.client_id:
        raise NotFound()
    return task


def requests_of(user, *, state: str = "open", limit: int = 100) -> list[Task]:
    stmt = select(Task).where(Task.client_id == user.client_id)
    if state == "open":
        stmt = stmt.where(Task.closed_at.is_(None)).order_by(Task.created_at.desc())
    elif state == "closed":
        stmt = stmt.where(Task.closed_at.is_not(None)).order_by(Task.closed_at.desc())
    else:
        stmt = stmt.order_by(Task.created_at.desc())
    return list(db.session.scalars(stmt.limit(limit)))


def expected_completion(task: Task) -> datetime | None:
    """When the agency has promised the work: the SLA resolution time, else the deadline."""
    return task.resolution_due_at or task.due_at


def requestable_types(user) -> list[tuple[ServiceLine, list[TaskType]]]:
    """The task types of the services the user's company has, by service line."""
    with as_agency():  # the catalog is the agency's; the company's services say which part of it applies
        line_ids = set(db.session.scalars(select(ClientService.service_line_id).where(ClientService.client_id == user.client_id)))
        lines = list(
            db.session.scalars(
                select(ServiceLine)
                .where(ServiceLine.id.in_(line_ids), ServiceLine.archived_at.is_(None))
                .order_by(ServiceLine.position, ServiceLine.name)
            )
        )
        types = list(
            db.session.scalars(select(TaskType).where(TaskType.service_line_id.in_(line_ids), TaskType.archived_at.is_(None)).order_by(TaskType.name))
        )
    return [(line, [t for t in types if t.service_line_id == line.id]) for line in lines if any(t.service_line_id == line.id for t in types)]


def requestable_type(user, task_type_id) -> TaskType:
    for _, types in requestable_types(user):
        for task_type in types:
            if task_type.id == task_type_id:
                return task_type
    raise NotFound()


def type_of(task: Task) -> TaskType | None:
    with as_agency():
        return db.session.scalar(select(TaskType).where(TaskType.id == task.task_type_id))


def shared_comments(task: Task) -> list[Comment]:
    return list(
        db.session.scalars(select(Comment).where(Comment.task_id == task.id, client_visible(Comment)).order_by(Comment.created_at, Comment.id))
    )


def shared_files(task: Task) -> list[Attachment]:
    return list(
        db.session.scalars(select(Attachment).where(Attachment.task_id == task.id, client_visible(Attachment)).order_by(Attachment.created_at))
    )


def shared_timeline(task: Task) -> list[Activity]:
    """The request's history a client is told about, newest first (the task timeline's client-safe page)."""
    return activity_queries.newest_first(task, None, limit=SHARED_TIMELINE).items


def document_requests(task: Task) -> list[document_queries.RequestView]:
    """The documents asked for on a request, with their items and files (all of it is meant for the client)."""
    return document_queries.requests_of_task(task)


def documents_waiting(user, now: datetime | None = None) -> list[tuple[Task, document_queries.RequestView]]:
    """The company's open document requests that still need a file from them, soonest due first."""
    return [(task, view) for task, view in document_queries.open_requests_of_client(user.client_id, now) if view.owed]


def people_names(ids) -> dict:
    """Names of the people behind comments, files and history (staff as the agency chose: see names_for_clients)."""
    from app.accounts.queries import names_for_clients

    return names_for_clients(ids)


@dataclass
class RequestView:
    """A request as its client sees it: the shared conversation, files, history, documents and approvals asked for,
    and the names behind them. The portal page renders it; the portal API returns it (the task's own fields read through)."""

    task: Task
    task_type: TaskType | None
    comments: list
    files: list[Attachment]
    timeline: list[Activity]
    document_requests: list[document_queries.RequestView]
    approvals: list
    names: dict

    def __getattr__(self, name):
        return getattr(self.task, name)


def request_view(task: Task, viewer) -> RequestView:
    """Everything of one request its client may see; each message names its author and says whether it is the viewer's."""
    shared = shared_comments(task)
    files = shared_files(task)
    timeline = shared_timeline(task)
    asked = document_requests(task)
    names = people_names(
        [c.author_id for c in shared]
        + [f.uploaded_by_id for f in files]
        + [e.actor_id for e in timeline]
        + [task.assignee_id]
        + [r.requested_by_id for r in asked]
    )
    said = [
        SimpleNamespace(
            id=c.id, author_id=c.author_id, author_name=names.get(c.author_id), mine=c.author_id == viewer.id, body=c.body, created_at=c.created_at
        )
        for c in shared
    ]
    return RequestView(task, type_of(task), said, files, timeline, asked, approval_queries.task_approvals(task, viewer), names)


def latest_questions(tasks) -> dict:
    """{task id: its latest client-visible comment} for these tasks, in one statement whatever their number."""
    ids = [task.id for task in tasks]
    if not ids:
        return {}
    newest = func.row_number().over(partition_by=Comment.task_id, order_by=(Comment.created_at.desc(), Comment.id.desc())).label("newest")
    ranked = select(Comment, newest).where(Comment.task_id.in_(ids), client_visible(Comment)).subquery()
    latest = aliased(Comment, ranked)
    return {comment.task_id: comment for comment in db.session.scalars(select(latest).where(ranked.c.newest == 1))}


@dataclass(frozen=True)
class Upcoming:
    title: str
    occurrence_date: date
    due_at: datetime
    creates_at: datetime


def upcoming_work(user, now: datetime | None = None) -> list[Upcoming]:
    """The company's recurring work due in the coming weeks, soonest first."""
    now = now or utcnow()
    out = []
    for schedule in db.session.scalars(
        select(RecurringSchedule).where(RecurringSchedule.client_id == user.client_id, RecurringSchedule.paused_at.is_(None))
    ):
        for item in recurrence.preview(schedule, now, count=3):
            if item["due_at"] <= now + timedelta(days=UPCOMING_DAYS) and item["task"] is None:
                out.append(Upcoming(schedule.title, item["occurrence_date"], item["due_at"], item["creates_at"]))
    return sorted(out, key=lambda u: u.due_at)[:8]


def home(user, now: datetime | None = None) -> dict:
    now = now or utcnow()
    open_requests = requests_of(user, state="open")
    waiting = [t for t in open_requests if t.status == "waiting_on_client"]
    recent = [
        t
        for t in requests_of(user, state="closed", limit=20)
        if t.status == "done" and t.closed_at and t.closed_at >= now - timedelta(days=RECENT_DAYS)
    ][:8]
    today = localtime.today(now, tenant_zone())  # the month is the agency's, like the report's days
    month_start = today.replace(day=1)
    with as_agency():  # the report reads the agency's calendar of the company's tasks; the scope is the company
        sla = sla_report(ReportScope(client_id=user.client_id), month_start, today, now=now, breach_limit=5)
    questions = latest_questions(waiting)
    return {
        "waiting": [(t, questions.get(t.id)) for t in waiting],
        "documents": documents_waiting(user, now),
        "approvals_waiting": approval_queries.pending_for(user),
        "open": [t for t in open_requests if t.status != "waiting_on_client"],
        "recent": recent,
        "upcoming": upcoming_work(user, now),
        "sla": sla,
        "month_start": month_start,
    }
