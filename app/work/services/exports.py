"""CSV exports of task lists: rows read as plain values in keyset chunks, small lists at once, large ones as a job.

A large export runs in the background (a job), writes the whole file, stores it for the person who asked and only then
says it is ready; a failure marks the export failed, so a partial file is never offered as a finished one.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import tempfile
import uuid
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.core import jobs, localtime
from app.core.storage import get_storage
from app.core.types import utcnow
from app.extensions import db
from app.work.models import Task, TaskExport
from app.work.queries import lists as list_queries
from app.work.queries.filters import TaskFilters, parse_filters
from app.work.queries.keyset import SORTS, _after, _merge_key, order_by
from app.work.queries.sla_state import state_of

log = logging.getLogger(__name__)

CSV_COLUMNS = list_queries.CSV_COLUMNS
CHUNK = 10_000  # rows per keyset query (and per progress update of a background export)
INLINE_ROWS = 10_000  # at most this many rows are sent at once; more run as a background export
KEPT_FOR = timedelta(days=1)
MAX_BYTES = 2 * 1024**3
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


class ExportFailed(RuntimeError):
    """The rows could not all be written: the export is marked failed, never offered as complete."""


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formulas in spreadsheets


def _statement(actor, filters: TaskFilters, view: dict):
    return list_queries.list_statement(actor, filters, **view).with_only_columns(*COLUMNS)


def count_rows(actor, filters: TaskFilters, view: dict) -> int:
    return db.session.scalar(list_queries.list_statement(actor, filters, **view).with_only_columns(func.count()).order_by(None)) or 0


def _chunks(actor, filters: TaskFilters, view: dict, size: int | None = None):
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


def _lines(rows, zone, now) -> list[list[str]]:
    labels = list_queries.labels_for(rows)
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
    for rows in _chunks(actor, filters, view):
        writer.writerows(_lines(rows, zone, now))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


# --- background exports ----------------------------------------------------------------------


def start(user, view: dict, args, filename: str, total: int) -> TaskExport:
    """Record an export for `user` and queue its job (it runs after this unit of work commits)."""
    options = {
        "view": view["view"],
        "queue_id": str(view["queue_id"]) if view.get("queue_id") else None,
        "client_id": str(view["client_id"]) if view.get("client_id") else None,
        "args": {key: args.getlist(key) for key in args},
        "zone": localtime.viewer_zone_name(),
        "role": user.role,
    }
    export = TaskExport(
        user_id=user.id, view=view["view"], options=options, filename=filename, status="queued", total=total, rows=0, expires_at=utcnow() + KEPT_FOR
    )
    db.session.add(export)
    db.session.flush()
    jobs.enqueue("worker.jobs.exports.export_tasks", agency_id=export.agency_id, export_id=export.id, retry=False)
    return export


def _view(options: dict) -> dict:
    return {
        "view": options["view"],
        "queue_id": uuid.UUID(options["queue_id"]) if options.get("queue_id") else None,
        "client_id": uuid.UUID(options["client_id"]) if options.get("client_id") else None,
    }


def run(export_id: uuid.UUID) -> str:
    """Write the export's file (committing progress every chunk), store it, then mark it done; failed on any error."""
    export = _get(export_id)
    if export is None or export.status not in ("queued", "running"):
        return "skipped"
    export.status = "running"
    db.session.commit()
    options = export.options
    actor = SimpleNamespace(id=export.user_id, role=options["role"])
    filters, _ = parse_filters(MultiDict([(k, v) for k, values in options["args"].items() for v in values]))
    zone, view, now = localtime.as_zone(options["zone"]), _view(options), utcnow()
    handle, path = tempfile.mkstemp(prefix="export-", suffix=".csv")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            written = 0
            for rows in _chunks(actor, filters, view):
                writer.writerows(_lines(rows, zone, now))
                written += len(rows)
                export.rows = written
                db.session.commit()  # progress the page can show; also ends this chunk's read transaction
        with open(path, "rb") as stream:
            stored = get_storage().save(stream, prefix="exports", max_bytes=MAX_BYTES)
        export.file_key, export.size_bytes, export.sha256 = stored.key, stored.size_bytes, stored.sha256
        export.status, export.rows, export.finished_at = "done", written, utcnow()
        db.session.commit()
        return "done"
    except Exception:
        log.exception("export %s failed", export_id)
        db.session.rollback()
        failed = _get(export_id)
        failed.status, failed.finished_at = "failed", utcnow()
        db.session.commit()
        return "failed"
    finally:
        os.unlink(path)


def _get(export_id) -> TaskExport | None:
    return db.session.scalar(select(TaskExport).where(TaskExport.id == export_id))  # tenant-scoped


def for_user(export_id, user) -> TaskExport | None:
    """The user's own export (another person's, or another agency's, is not found)."""
    export = _get(export_id)
    return export if export is not None and export.user_id == user.id else None


def has_failed(export: TaskExport) -> bool:
    """Failed, or never finished within its lifetime (its job was lost): either way no file will come."""
    return export.status == "failed" or (export.status in ("queued", "running") and export.expires_at <= utcnow())


def inline_rows() -> int:
    return int(current_app.config.get("CSV_EXPORT_INLINE_ROWS", INLINE_ROWS))
