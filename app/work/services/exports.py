"""CSV exports of task lists: small lists at once, large ones as a job that writes the whole file before saying it is ready.

A large export runs in the background (a job), writes the whole file, stores it for the person who asked and only then
says it is ready; a failure marks the export failed, so a partial file is never offered as a finished one.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
import uuid
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from werkzeug.datastructures import MultiDict

from app.core import jobs, localtime
from app.core.storage import get_storage
from app.core.types import utcnow
from app.extensions import db
from app.work.models import TaskExport
from app.work.queries import exports as export_queries
from app.work.queries.filters import parse_filters

log = logging.getLogger(__name__)

INLINE_ROWS = 10_000  # at most this many rows are sent at once; more run as a background export
KEPT_FOR = timedelta(days=1)
MAX_BYTES = 2 * 1024**3


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
    export = export_queries.export_of(export_id)
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
            writer.writerow(export_queries.CSV_COLUMNS)
            written = 0
            for rows in export_queries.chunks(actor, filters, view):
                writer.writerows(export_queries.lines(rows, zone, now))
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
        failed = export_queries.export_of(export_id)
        failed.status, failed.finished_at = "failed", utcnow()
        db.session.commit()
        return "failed"
    finally:
        os.unlink(path)


def inline_rows() -> int:
    return int(current_app.config.get("CSV_EXPORT_INLINE_ROWS", INLINE_ROWS))
