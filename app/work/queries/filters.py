"""The filters every task list shares (client, service line, type, queue, status, priority, assignee, deadline, SLA, text).

One schema reads them from a page's query string or an API request, so a saved filter, a CSV export and the
API all mean the same thing by the same parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import fields as dc_fields
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import Select, func, or_, select

from app.accounts.localtime import viewer_of
from app.accounts.models import User
from app.catalog.models import TaskType
from app.core import dates, localtime
from app.core.types import utcnow
from app.work.models import OPEN_STATUSES, PRIORITIES, STATUSES, Task
from app.work.queries.keyset import DEFAULT_SORT, SORTS
from app.work.queries.sla_state import FILTER_STATES, state_clause

STATUS_CHOICES = ("open", "closed", "all", *STATUSES)
DUE_CHOICES = ("overdue", "today", "week", "none")
ASSIGNEE_WORDS = ("me", "none")
FILTER_KEYS = (
    "client_id",
    "service_line_id",
    "task_type_id",
    "queue_id",
    "status",
    "priority",
    "assignee",
    "due",
    "due_from",
    "due_to",
    "sla",
    "q",
    "sort",
)
REFERENCE = re.compile(r"^(?:[A-Za-z]{1,8}-?)?(\d{1,9})$")


def _assignee(value: str) -> None:
    if value in ASSIGNEE_WORDS:
        return
    try:
        fields.UUID().deserialize(value)
    except ValidationError:
        raise ValidationError("Use me, none or a user id.") from None


class TaskFilterArgs(Schema):
    """Task list filters as query parameters; every one is optional. The status defaults to open."""

    client_id = fields.UUID(load_default=None)
    service_line_id = fields.UUID(load_default=None)
    task_type_id = fields.UUID(load_default=None)
    queue_id = fields.UUID(load_default=None)
    status = fields.String(load_default="open", validate=validate.OneOf(STATUS_CHOICES))
    priority = fields.String(load_default=None, validate=validate.OneOf(PRIORITIES))
    assignee = fields.String(
        load_default=None,
        validate=_assignee,
        metadata={
            "description": "me, none (unassigned) or a user id",
            "pattern": "^(me|none|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})$",
        },
    )
    due = fields.String(load_default=None, validate=validate.OneOf(DUE_CHOICES))
    due_from = dates.Date(load_default=None)
    due_to = dates.Date(load_default=None)
    sla = fields.String(
        load_default=None, validate=validate.OneOf(FILTER_STATES), metadata={"description": "SLA state: on_track, at_risk, breached or paused"}
    )
    q = fields.String(load_default=None, validate=validate.Length(max=100), metadata={"description": "reference, number or title"})
    sort = fields.String(load_default=DEFAULT_SORT, validate=validate.OneOf(tuple(SORTS)))


@dataclass
class TaskFilters:
    client_id: object = None
    service_line_id: object = None
    task_type_id: object = None
    queue_id: object = None
    status: str = "open"
    priority: str | None = None
    assignee: str | None = None
    due: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    sla: str | None = None
    q: str | None = None
    sort: str = DEFAULT_SORT

    @classmethod
    def from_mapping(cls, data: dict) -> TaskFilters:
        known = {f.name for f in dc_fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def query_string(self, drop: tuple = ()) -> str:
        """These filters as a query string (defaults left out), for links, saved filters and exports."""
        pairs = []
        for key in FILTER_KEYS:
            value = getattr(self, key)
            if key in drop or value in (None, "") or (key == "status" and value == "open") or (key == "sort" and value == DEFAULT_SORT):
                continue
            pairs.append((key, value.isoformat() if isinstance(value, date) else str(value)))
        return urlencode(pairs)

    @property
    def is_default(self) -> bool:
        return not self.query_string()


def parse_filters(args) -> tuple[TaskFilters, dict]:
    """Filters from a page's query string: invalid ones are dropped and returned as errors to show."""
    data = {key: value for key, value in args.items() if key in FILTER_KEYS and value != ""}
    try:
        return TaskFilters.from_mapping(TaskFilterArgs().load(data, unknown=EXCLUDE)), {}
    except ValidationError as error:
        errors = error.messages if isinstance(error.messages, dict) else {}
        clean = {key: value for key, value in data.items() if key not in errors}
        return TaskFilters.from_mapping(TaskFilterArgs().load(clean, unknown=EXCLUDE)), errors


def _day_start(day: date, zone) -> datetime:
    return localtime.day_start(day, zone)


def apply_filters(stmt: Select, filters: TaskFilters, actor, now: datetime | None = None) -> Select:
    """Narrow a task select by the filters. Open lists say `closed_at IS NULL`, which the partial indexes need."""
    now = now or utcnow()
    stmt = stmt.where(*_status_conditions(filters.status))
    for key in ("client_id", "task_type_id", "queue_id"):
        if getattr(filters, key) is not None:
            stmt = stmt.where(getattr(Task, key) == getattr(filters, key))
    if filters.service_line_id is not None:
        stmt = stmt.where(Task.task_type_id.in_(select(TaskType.id).where(TaskType.service_line_id == filters.service_line_id)))
    if filters.priority:
        stmt = stmt.where(Task.priority == filters.priority)
    stmt = stmt.where(*_assignee_conditions(filters.assignee, actor))
    stmt = stmt.where(*_due_conditions(filters, actor, now))
    if filters.sla:
        stmt = stmt.where(state_clause(filters.sla, now))
    if filters.q and filters.q.strip():
        stmt = stmt.where(_search(filters.q.strip()))
    return stmt


def _status_conditions(status: str) -> list:
    if status == "open":
        # closed_at is set exactly when a task is done or cancelled (the transition service keeps it so); saying
        # the status too would make the planner count the same rows out twice and misjudge every list.
        return [Task.closed_at.is_(None)]
    if status == "closed":
        return [Task.status.in_(("done", "cancelled"))]
    if status in OPEN_STATUSES:
        return [Task.closed_at.is_(None), Task.status == status]
    if status != "all":
        return [Task.status == status]
    return []


def _assignee_conditions(assignee: str | None, actor) -> list:
    if assignee == "me":
        return [Task.assignee_id == actor.id]
    if assignee == "none":
        return [Task.assignee_id.is_(None)]
    if assignee:
        return [Task.assignee_id == fields.UUID().deserialize(assignee)]
    return []


def _due_conditions(filters: TaskFilters, actor, now: datetime) -> list:
    """Deadline filters. "Today", "this week" and the due dates are days on the actor's own calendar (their zone)."""
    if filters.due == "overdue":
        conditions = [Task.due_at < now]
    elif filters.due == "none":
        conditions = [Task.due_at.is_(None)]
    else:
        conditions = []
    if filters.due not in ("today", "week") and not filters.due_from and not filters.due_to:
        return conditions  # no calendar days involved: the actor's zone is not needed (nor read)
    zone = viewer_of(actor).tzinfo if isinstance(actor, User) else localtime.zone(None)
    today = localtime.today(now, zone)
    if filters.due == "today":
        conditions += [Task.due_at >= _day_start(today, zone), Task.due_at < _day_start(today + timedelta(days=1), zone)]
    elif filters.due == "week":
        conditions.append(Task.due_at < _day_start(today + timedelta(days=8), zone))
    if filters.due_from:
        conditions.append(Task.due_at >= _day_start(filters.due_from, zone))
    if filters.due_to:
        conditions.append(Task.due_at < _day_start(filters.due_to + timedelta(days=1), zone))
    return conditions


def _search(q: str):
    """Text in the title or reference; a reference or bare number (`BK-1042`, `1042`) also matches its number exactly."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    clauses = [func.lower(Task.title).like(like, escape="\\"), func.lower(Task.reference).like(like, escape="\\")]
    match = REFERENCE.match(q)
    if match:
        clauses.append(Task.number == int(match.group(1)))
    return or_(*clauses)
