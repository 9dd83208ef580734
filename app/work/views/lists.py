"""Work list pages for agency users: My work, a queue's tasks, all clients, one client's tasks, workload;
claim next, bulk changes, saved filters and CSV export of any list."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

from flask import Blueprint, Response, current_app, flash, redirect, request, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts import queries as account_queries
from app.catalog.models import ServiceLine, TaskType
from app.clients import queries as client_queries
from app.core import localtime
from app.core.errors import AppError, Forbidden, NotFound
from app.core.pages import render_page, safe_next
from app.core.pagination import keyset_page
from app.core.storage import download_response
from app.core.types import utcnow
from app.extensions import db
from app.work.models import PRIORITIES, STATUSES
from app.work.queries import exports as export_queries
from app.work.queries import lists as list_queries
from app.work.queries import queues as queue_queries
from app.work.queries.filters import parse_filters
from app.work.queries.keyset import SORTS
from app.work.queries.sla_state import FILTER_STATES, STATE_LABELS
from app.work.services import bulk, claim, exports, saved_filters
from app.work.services.tasks import STATUS_LABELS, task_url
from tenants.models import Client

bp = Blueprint("work", __name__)
DUE_LABELS = {"overdue": "Overdue", "today": "Due today", "week": "Due within 7 days", "none": "No deadline"}
STATUS_FILTERS = [("open", "Open"), ("closed", "Closed"), ("all", "Any status")] + [(s, STATUS_LABELS[s]) for s in STATUSES]


@bp.before_request
def _agency_users_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_agency_user:
        raise Forbidden("Work lists are for agency staff.")
    return None


def _choices() -> dict:
    clients = list(db.session.scalars(client_queries.visible_clients(current_user).where(Client.archived_at.is_(None)).order_by(Client.name)))
    return {
        "clients": clients,
        "service_lines": list(
            db.session.scalars(select(ServiceLine).where(ServiceLine.archived_at.is_(None)).order_by(ServiceLine.position, ServiceLine.name))
        ),
        "task_types": list(db.session.scalars(select(TaskType).where(TaskType.archived_at.is_(None)).order_by(TaskType.name))),
        "queues": queue_queries.list_queues(current_user),
        "people": account_queries.active_staff(),
        "statuses": STATUS_FILTERS,
        "priorities": PRIORITIES,
        "due_labels": DUE_LABELS,
        "sorts": {name: sort.label for name, sort in SORTS.items()},
        "status_labels": STATUS_LABELS,
        "sla_labels": {state: STATE_LABELS[state] for state in FILTER_STATES},
    }


def _csv(filename: str, lines) -> Response:
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _export(view: str, filters, scope: dict):
    """A small list as CSV at once; a large one as a background export, whose page shows progress, then the file."""
    filename = f"{view.replace('_', '-')}.csv"
    # The rows stream after the request's session has closed: hand the generator plain values, not ORM objects.
    actor = SimpleNamespace(id=current_user.id, role=current_user.role)
    total = export_queries.count_rows(actor, filters, scope)
    if total <= exports.inline_rows():
        return _csv(filename, export_queries.csv_lines(actor, filters, localtime.viewer_zone(), scope))
    export = exports.start(current_user, scope, request.args, filename, total)
    db.session.commit()
    return redirect(url_for("work.export_status", export_id=export.id), 303)


@bp.route("/exports/<uuid:export_id>")
def export_status(export_id):
    export = export_queries.for_user(export_id, current_user)
    if export is None:
        raise NotFound()
    return render_page("work/lists/export.html", export=export, failed=export_queries.has_failed(export), now=utcnow())


@bp.route("/exports/<uuid:export_id>/download")
def export_download(export_id):
    export = export_queries.for_user(export_id, current_user)
    if export is None or export.status != "done" or export.expires_at <= utcnow():
        raise NotFound("This export is not available: it has expired or is not finished.")
    return download_response(export.file_key, filename=export.filename, content_type="text/csv", size_bytes=export.size_bytes, sha256=export.sha256)


def _task_list(
    view: str,
    *,
    title: str,
    subtitle: str,
    export: bool,
    queue=None,
    client=None,
    csv_endpoint: str,
    endpoint_args: dict | None = None,
    empty: tuple[str, str, str],
):
    filters, filter_errors = parse_filters(request.args)
    scope = {"view": view, "queue_id": getattr(queue, "id", None), "client_id": getattr(client, "id", None)}
    if export:
        if filter_errors:  # refused before any row streams: a 200 cut short would look like a short export
            message = "; ".join(f"{key}: {' '.join(map(str, errors))}" for key, errors in filter_errors.items())
            return Response(f"Invalid filters. {message}\n", status=400, mimetype="text/plain")
        return _export(view, filters, scope)
    page = list_queries.list_tasks(current_user, filters, cursor=request.args.get("cursor") or None, **scope)
    return render_page(
        "work/lists/tasks.html",
        200,
        view=view,
        title=title,
        subtitle=subtitle,
        tasks=page.items,
        next_cursor=page.next_cursor,
        paged=bool(request.args.get("cursor")),
        filters=filters,
        filter_errors=filter_errors,
        labels=list_queries.labels_for(page.items),
        queue=queue,
        client=client,
        saved=queue_queries.saved_filters(current_user, view),
        task_url=task_url,
        empty=empty,
        now=utcnow(),
        csv_url=url_for(csv_endpoint, **(endpoint_args or {})) + ("?" + filters.query_string() if filters.query_string() else ""),
        **_choices(),
    )


@bp.route("/work")
@bp.route("/work.csv", endpoint="my_work_csv", defaults={"export": True})
def my_work(export=False):
    return _task_list(
        "my_work",
        title="My work",
        subtitle="Open tasks assigned to you, most urgent first.",
        export=export,
        csv_endpoint="work.my_work_csv",
        empty=("inbox", "Nothing assigned to you", "Claim the most urgent unassigned task, or pick one from a queue."),
    )


@bp.route("/queues/<uuid:queue_id>/tasks")
@bp.route("/queues/<uuid:queue_id>/tasks.csv", endpoint="queue_tasks_csv", defaults={"export": True})
def queue_tasks(queue_id, export=False):
    queue = queue_queries.queue_for(current_user, queue_id)
    return _task_list(
        "queue",
        title=queue.name,
        subtitle=queue.description or "Tasks of this queue you can see.",
        export=export,
        queue=queue,
        csv_endpoint="work.queue_tasks_csv",
        endpoint_args={"queue_id": queue.id},
        empty=("inboxes", "No tasks match", "Nothing in this queue matches these filters."),
    )


@bp.route("/clients/<uuid:client_id>/tasks")
@bp.route("/clients/<uuid:client_id>/tasks.csv", endpoint="client_tasks_csv", defaults={"export": True})
def client_tasks(client_id, export=False):
    client = client_queries.client_for(current_user, client_id)
    return _task_list(
        "client",
        title=f"{client.name}: tasks",
        subtitle="Work for this client that you can see.",
        export=export,
        client=client,
        csv_endpoint="work.client_tasks_csv",
        endpoint_args={"client_id": client.id},
        empty=("buildings", "No tasks match", "Nothing for this client matches these filters."),
    )


@bp.route("/work/clients")
@bp.route("/work/clients.csv", endpoint="clients_csv", defaults={"export": True})
def clients(export=False):
    """Per client: open, waiting on client, due today and overdue, each linking to the client's filtered list."""
    q = (request.args.get("q") or "").strip()[:100]
    filters, filter_errors = parse_filters({k: v for k, v in request.args.items() if k in ("service_line_id",)})
    stmt = client_queries.visible_clients(current_user).where(Client.archived_at.is_(None))
    if q:
        stmt = stmt.where(Client.name.ilike(f"%{q}%"))
    if export:
        everyone = list(db.session.scalars(stmt.order_by(Client.name, Client.id)))
        counts = list_queries.client_counts(current_user, [c.id for c in everyone], filters)
        empty = {"open": 0, "waiting": 0, "due_today": 0, "overdue": 0}
        return _csv("clients.csv", _summary_lines([(c.name, *counts.get(c.id, empty).values()) for c in everyone]))
    page = keyset_page(stmt, Client.name, Client.id, limit=50, cursor=request.args.get("cursor") or None)
    counts = list_queries.client_counts(current_user, [c.id for c in page.items], filters)
    return render_page(
        "work/lists/clients.html",
        clients=page.items,
        counts=counts,
        next_cursor=page.next_cursor,
        paged=bool(request.args.get("cursor")),
        q=q,
        filters=filters,
        filter_errors=filter_errors,
        service_lines=_choices()["service_lines"],
    )


def _summary_lines(rows):
    for row in [("client", "open", "waiting_on_client", "due_today", "overdue"), *rows]:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(row)
        yield buffer.getvalue()


@bp.route("/work/workload")
def workload():
    return render_page("work/lists/workload.html", rows=list_queries.workload(current_user))


@bp.route("/work/claim-next", methods=["POST"])
def claim_next():
    queue_id = request.form.get("queue_id") or None
    back = safe_next(request.form.get("next")) or url_for("work.my_work")
    if queue_id:
        try:
            queue_id = queue_queries.queue_for(current_user, queue_id).id
        except AppError:
            flash("That queue is not one you work.", "danger")
            return redirect(back, 303)
    task = claim.claim_next_task(current_user, queue_id)
    if task is None:
        flash("Nothing left to claim: every open task you may take is already assigned.", "info")
        return redirect(back, 303)
    flash(f"{task.reference} is yours: {task.title}", "success")
    return redirect(task_url(task), 303)


@bp.route("/work/bulk", methods=["POST"])
def bulk_change():
    back = safe_next(request.form.get("next")) or url_for("work.my_work")
    action = request.form.get("action") or ""
    value = request.form.get(f"value_{action}") or request.form.get("value") or None
    try:
        results = bulk.bulk_change(current_user, request.form.getlist("task_ids"), action, value)
    except AppError as error:
        flash(error.message, "danger")
        return redirect(back, 303)
    done = [r for r in results if r["ok"]]
    failed = [r for r in results if not r["ok"]]
    if done:
        flash(f"{len(done)} task{'s' if len(done) != 1 else ''} changed.", "success")
    if failed:
        details = "; ".join(f"{r['reference'] or 'a task'}: {r['error']}" for r in failed[:10])
        flash(f"{len(failed)} not changed — {details}", "warning")
    return redirect(back, 303)


@bp.route("/work/saved-filters")
def saved_filter_list():
    return render_page("work/lists/saved_filters.html", saved=queue_queries.saved_filters(current_user), views=saved_filters.VIEWS)


@bp.route("/work/saved-filters", methods=["POST"])
def save_filter():
    back = safe_next(request.form.get("next")) or url_for("work.my_work")
    try:
        row = saved_filters.save_filter(
            current_user, view=request.form.get("view") or "", name=request.form.get("name") or "", query=request.form.get("query") or ""
        )
    except AppError as error:
        flash(error.message, "danger")
        return redirect(back, 303)
    flash(f"Filter “{row.name}” saved.", "success")
    return redirect(back, 303)


@bp.route("/work/saved-filters/<uuid:saved_filter_id>/delete", methods=["POST"])
def delete_saved_filter(saved_filter_id):
    row = queue_queries.saved_filter_for(current_user, saved_filter_id)
    saved_filters.delete_filter(row)
    flash(f"Filter “{row.name}” deleted.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("work.saved_filter_list"), 303)


@bp.app_template_global("saved_filter_url")
def saved_filter_url(row) -> str | None:
    """Where a saved filter of My work applies; queue and client filters apply on a queue's or client's page."""
    if row.view != "my_work":
        return None
    return url_for("work.my_work") + ("?" + row.query if row.query else "")
