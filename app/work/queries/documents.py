"""Reads of document requests: a task's requests with their items and files, a client's open ones, and their dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from app.core.types import utcnow
from app.extensions import db
from app.work.models import Attachment, DocumentRequest, DocumentRequestItem, Task
from tenants.lookup import get_in_tenant
from tenants.models import Client

# The "due soon" reminder goes out this many working days (Monday to Friday) before the due date.
REMIND_WORKING_DAYS_BEFORE = 2


@dataclass
class RequestView:
    """A request with its items in order, the files they point to and counts for the page."""

    request: DocumentRequest
    items: list[DocumentRequestItem]
    files: dict = field(default_factory=dict)
    today: date | None = None

    def __getattr__(self, name):
        return getattr(self.request, name)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def accepted(self) -> int:
        return sum(1 for item in self.items if item.status == "accepted")

    @property
    def outstanding(self) -> int:
        """Items not accepted yet (missing, rejected, or uploaded and waiting for review)."""
        return self.total - self.accepted

    @property
    def owed(self) -> list[DocumentRequestItem]:
        """Items the client still has to send."""
        return [item for item in self.items if item.client_owes]

    @property
    def to_review(self) -> int:
        return sum(1 for item in self.items if item.status == "uploaded")

    @property
    def overdue(self) -> bool:
        return self.request.is_open and bool(self.owed) and self.today is not None and self.today > self.request.due_on

    def file_of(self, item: DocumentRequestItem) -> Attachment | None:
        return self.files.get(item.attachment_id) if item.attachment_id else None


def zone_of(client: Client | None) -> ZoneInfo:
    try:
        return ZoneInfo(client.timezone) if client is not None and client.timezone else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def zone_of_client(client_id) -> ZoneInfo:
    return zone_of(get_in_tenant(Client, client_id))


def client_today(client_id, now: datetime | None = None) -> date:
    """Today's date where the client is (due dates are the client's dates)."""
    return (now or utcnow()).astimezone(zone_of_client(client_id)).date()


def remind_from(due_on: date) -> date:
    """The day the "due soon" reminder goes out: two working days (Monday to Friday) before the due date."""
    day, counted = due_on, 0
    while counted < REMIND_WORKING_DAYS_BEFORE:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def _views(requests: list[DocumentRequest], today: date | None) -> list[RequestView]:
    if not requests:
        return []
    ids = [r.id for r in requests]
    items = list(
        db.session.scalars(
            select(DocumentRequestItem).where(DocumentRequestItem.request_id.in_(ids)).order_by(DocumentRequestItem.position, DocumentRequestItem.id)
        )
    )
    file_ids = {i.attachment_id for i in items if i.attachment_id}
    files = {a.id: a for a in db.session.scalars(select(Attachment).where(Attachment.id.in_(file_ids)))} if file_ids else {}
    return [RequestView(r, [i for i in items if i.request_id == r.id], files, today) for r in requests]


def view_of(request: DocumentRequest, now: datetime | None = None) -> RequestView:
    """One request as a view (after a change made through the services)."""
    return _views([request], client_today(request.client_id, now))[0]


def requests_of_task(task: Task, now: datetime | None = None) -> list[RequestView]:
    """The task's document requests, open ones first, newest first within each."""
    rows = list(
        db.session.scalars(
            select(DocumentRequest).where(DocumentRequest.task_id == task.id).order_by(DocumentRequest.created_at.desc(), DocumentRequest.id.desc())
        )
    )
    rows.sort(key=lambda r: not r.is_open)
    return _views(rows, client_today(task.client_id, now))


def open_requests_of_client(client_id, now: datetime | None = None) -> list[tuple[Task, RequestView]]:
    """The client's open requests on open tasks, soonest due first, with their tasks."""
    pairs = db.session.execute(
        select(DocumentRequest, Task)
        .join(Task, Task.id == DocumentRequest.task_id)
        .where(DocumentRequest.client_id == client_id, DocumentRequest.status == "open", Task.closed_at.is_(None))
        .order_by(DocumentRequest.due_on, DocumentRequest.created_at)
    ).all()
    views = _views([r for r, _ in pairs], client_today(client_id, now))
    return [(task, view) for (_, task), view in zip(pairs, views, strict=True)]


@dataclass(frozen=True)
class Summary:
    """Over the open requests: documents the client still owes, files waiting for review, and all documents asked;
    `received` counts the requests completed (every document accepted)."""

    missing: int
    to_review: int
    total: int
    received: int = 0


def summary_of(views: list[RequestView]) -> Summary:
    open_views = [v for v in views if v.request.is_open]
    return Summary(
        sum(len(v.owed) for v in open_views),
        sum(v.to_review for v in open_views),
        sum(v.total for v in open_views),
        sum(1 for v in views if v.request.status == "closed"),
    )


def due_for_reminders(now: datetime) -> list[tuple[DocumentRequest, Task]]:
    """Open requests on open tasks due within the reminder window or overdue (the caller checks each client's dates)."""
    horizon = now.date() + timedelta(days=REMIND_WORKING_DAYS_BEFORE + 4)  # weekends and time zones either side
    return list(
        db.session.execute(
            select(DocumentRequest, Task)
            .join(Task, Task.id == DocumentRequest.task_id)
            .where(DocumentRequest.status == "open", DocumentRequest.due_on <= horizon, Task.closed_at.is_(None))
            .order_by(DocumentRequest.due_on, DocumentRequest.id)
        ).tuples()
    )
