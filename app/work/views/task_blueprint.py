"""The task pages' blueprint and what its view modules share: the agency-only guard and rendering a task page."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts.models import User
from app.catalog.models import ServiceLine, TaskType
from app.core.errors import AppError, Forbidden
from app.core.pages import render_page
from app.extensions import db
from app.work.access import task_for
from app.work.models import Activity, Queue, Task
from app.work.queries import activity as activity_queries
from app.work.queries import approvals as approval_queries
from app.work.queries import documents as document_queries
from app.work.queries.time import task_minutes
from app.work.services import approvals, attachments, checklist, comments, tasks, watchers
from app.work.services import time as time_services
from tenants.lookup import get_in_tenant
from tenants.models import Client

bp = Blueprint("tasks", __name__)
TIMELINE_PAGE = 50


@bp.before_request
def _agency_users_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_agency_user:
        raise Forbidden("Task pages are for agency staff.")
    return None



def load_task(task_id) -> Task:
    return task_for(current_user, task_id)


def back_to(task: Task, anchor: str | None = None):
    return redirect(url_for("tasks.detail", task_id=task.id) + (f"#{anchor}" if anchor else ""))


def people_by_id(ids) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _timeline_page(task: Task) -> tuple[list[Activity], str | None]:
    """Newest first, by instant (then id), older pages under ?before=."""
    page = activity_queries.newest_first(task, current_user, before=request.args.get("before"), limit=TIMELINE_PAGE)
    return page.items, page.next_cursor


def task_context(task: Task) -> dict:
    """Everything the task page shows."""
    client = get_in_tenant(Client, task.client_id)
    task_type = get_in_tenant(TaskType, task.task_type_id)
    line = get_in_tenant(ServiceLine, task_type.service_line_id) if task_type else None
    queue = get_in_tenant(Queue, task.queue_id)
    items = checklist.items_of(task)
    task_comments = comments.comments_of(task, current_user)
    files = attachments.attachments_of(task, current_user)
    timeline, timeline_more = _timeline_page(task)
    watching_people = watchers.watchers_of(task)
    document_requests = document_queries.requests_of_task(task)
    people = people_by_id([task.assignee_id, task.created_by_id] + [c.author_id for c in task_comments]
                          + [a.uploaded_by_id for a in files] + [e.actor_id for e in timeline] + [i.done_by_id for i in items]
                          + [r.requested_by_id for r in document_requests]
                          + [p for r in document_requests for i in r.items for p in (i.uploaded_by_id, i.reviewed_by_id)])
    return {
        "task": task, "client": client, "task_type": task_type, "service_line": line, "queue": queue,
        "assignee": people.get(task.assignee_id), "creator": people.get(task.created_by_id),
        "transitions": sorted(tasks.TRANSITIONS[task.status], key=list(tasks.STATUS_LABELS).index),
        "status_labels": tasks.STATUS_LABELS, "checklist": items, "open_required": sum(1 for i in items if i.required and not i.done_at),
        "comments": task_comments, "attachments": files, "timeline": timeline, "timeline_more": timeline_more,
        "watchers": watching_people, "watching": any(p.id == current_user.id for p in watching_people),
        "people": people, "assignees": tasks.eligible_assignees(task) if task.is_open else [],
        "queues": list(db.session.scalars(select(Queue).where(Queue.archived_at.is_(None)).order_by(Queue.name))),
        "custom_fields": (task_type.custom_fields if task_type else []) or [],
        "max_attachment_mb": max(attachments.max_bytes() // (1024 * 1024), 1), "allowed_files": attachments.ALLOWED_LABEL,
        "accept": ",".join("." + ext for ext in attachments.ALLOWED),
        "document_requests": document_requests, "documents_summary": document_queries.summary_of(document_requests),
        "documents_default_due": document_queries.client_today(task.client_id) + timedelta(days=7),
        "running_timer": time_services.running_entry(current_user.id) if current_user.is_agency_user else None,
        "time_logged": task_minutes(task.id) if current_user.is_agency_user else None,
        "errors": {}, "error": None, "form_values": {},
        "approvals": approval_queries.task_approvals(task, current_user), "needs_approval": approval_queries.blocks_completion(task),
        "approvers": approvals.eligible_approvers(task) if task.is_open else [], "reviewable_files": approvals.reviewable_files(task),
    }


def render_task(task: Task, status_code: int = 200, *, error: AppError | None = None, section: str | None = None,
                form_values: dict | None = None):
    """The task page, with an action's error shown in its section (and the error's status code)."""
    context = task_context(task)
    if error is not None:
        context.update(error=error.message, error_section=section, errors=error.fields or {}, form_values=form_values or {})
        status_code = error.status
    return render_page("work/task_detail.html", status_code, **context)
