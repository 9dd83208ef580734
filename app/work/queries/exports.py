"""Reads for CSV exports of task lists: the rows as plain values in keyset chunks, as CSV lines, and the exports kept."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from app.core import localtime
from app.core.types import utcnow
from app.extensions import db
from app.work.models import Task, TaskExport
from app.work.queries import lists as list_queries
from app.work.queries.filters import TaskFilters
from app.work.queries.keyset import SORTS, _after, _merge_key, order_by
from app.work.queries.sla_state import state_of

CSV_COLUMNS = list_queries.CSV_COLUMNS
CHUNK = 10_000  # rows per keyset query (and per progress update of a background export)
# Only these columns are read: no ORM objects, so a row costs a tuple, not an identity-mapped instance.
COLUMNS = (
    Task.id,
    Task.reference,
    Task.client_id,
    Task.task_type_id,
    Task.queue_id,
    Task.assignee_id,
    Task.title,
    Task.status,
    Task.priority,
    Task.priority_rank,
    Task.number,
    Task.due_at,
    Task.created_at,
    Task.updated_at,
    Task.first_response_due_at,
    Task.first_response_at_risk_at,
    Task.first_responded_at,
    Task.first_response_breached_at,
    Task.resolution_due_at,
    Task.resolution_at_risk_at,
    Task.resolution_breached_at,
    Task.sla_paused_since,
)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formulas in spreadsheets


def _statement(actor, filters: TaskFilters, view: dict):
    return list_queries.list_statement(actor, filters, **view).with_only_columns(*COLUMNS)


def count_rows(actor, filters: TaskFilters, view: dict) -> int:
    return db.session.scalar(list_queries.list_statement(actor, filters, **view).with_only_columns(func.count()).order_by(None)) or 0


def chunks(actor, filters: TaskFilters, view: dict, size: int | None = None):
    """The list's rows in its sort order, `size` at a time, each chunk one keyset query after the previous one's last row."""
    stmt, sort, size = _statement(actor, filters, view), SORTS[filters.sort], size or CHUNK
    last = None
    while True:
        if last is None:
            rows = list(db.session.execute(stmt.order_by(*order_by(sort)).limit(size)))
        else:
            rows = []
            for condition in _after(sort, [getattr(last, name) for name in sort.columns]):
                rows.extend(db.session.execute(stmt.where(condition).order_by(*order_by(sort)).limit(size)))
            if sort.nullable is not None:
                rows.sort(key=_merge_key(sort))
            rows = rows[:size]
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = rows[-1]


def lines(rows, zone, now) -> list[list[str]]:
    labels = list_queries.labels_for(rows, clocks=False)  # the export shows states, not time left
    clients, lines, types, users = labels["clients"], labels["lines"], labels["types"], labels["users"]
    iso = localtime.iso_local
    return [
        [
            _cell(v)
            for v in (
                r.reference,
                clients.get(r.client_id),
                lines.get(r.task_type_id),
                types.get(r.task_type_id),
                r.title,
                r.status,
                r.priority,
                users.get(r.assignee_id, ""),
                iso(r.due_at, zone),
                iso(r.created_at, zone),
                state_of(r, now),
                iso(r.first_response_due_at, zone),
                iso(r.resolution_due_at, zone),
            )
        ]
        for r in rows
    ]


def csv_lines(actor, filters: TaskFilters, zone, view: dict):
    """The list as CSV text, chunk by chunk (for the exports small enough to send at once)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    now = utcnow()
    for rows in chunks(actor, filters, view):
        writer.writerows(lines(rows, zone, now))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def export_of(export_id) -> TaskExport | None:
    return db.session.scalar(select(TaskExport).where(TaskExport.id == export_id))  # tenant-scoped


def for_user(export_id, user) -> TaskExport | None:
    """The user's own export (another person's, or another agency's, is not found)."""
    export = export_of(export_id)
    return export if export is not None and export.user_id == user.id else None


def has_failed(export: TaskExport) -> bool:
    """Failed, or never finished within its lifetime (its job was lost): either way no file will come."""
    return export.status == "failed" or (export.status in ("queued", "running") and export.expires_at <= utcnow())
