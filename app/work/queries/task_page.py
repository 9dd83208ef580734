"""The task page's data: the task, its parts the viewer may see, the people behind them and the choices its forms offer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.catalog.models import ServiceLine, TaskType
from app.extensions import db
from app.work.models import Activity, Queue, Task
from app.work.queries import activity as activity_queries
from app.work.queries import approvals as approval_queries
from app.work.queries import documents as document_queries
from app.work.queries.attachments import attachments_of, reviewable_files
from app.work.queries.checklist import items_of
from app.work.queries.comments import comments_of
from app.work.queries.people import eligible_approvers, eligible_assignees, people_by_id, watchers_of
from app.work.queries.time import running_entry, task_minutes
from app.work.services import attachments
from app.work.services.tasks import STATUS_LABELS, TRANSITIONS
from tenants.lookup import get_in_tenant
from tenants.models import Client

TIMELINE_PAGE = 50


def timeline_page(task: Task, viewer, before: str | None) -> tuple[list[Activity], str | None]:
    """Newest first, by instant (then id), older pages under `before`."""
    page = activity_queries.newest_first(task, viewer, before=before, limit=TIMELINE_PAGE)
    return page.items, page.next_cursor


def task_page(task: Task, viewer, *, before: str | None = None) -> dict:
    """Everything the task page shows to this (agency) viewer; `before` pages the timeline back."""
    client = get_in_tenant(Client, task.client_id)
    task_type = get_in_tenant(TaskType, task.task_type_id)
    line = get_in_tenant(ServiceLine, task_type.service_line_id) if task_type else None
    queue = get_in_tenant(Queue, task.queue_id)
    items = items_of(task)
    task_comments = comments_of(task, viewer)
    files = attachments_of(task, viewer)
    timeline, timeline_more = timeline_page(task, viewer, before)
    watching_people = watchers_of(task)
    document_requests = document_queries.requests_of_task(task)
    people = people_by_id(
        [task.assignee_id, task.created_by_id]
        + [c.author_id for c in task_comments]
        + [a.uploaded_by_id for a in files]
        + [e.actor_id for e in timeline]
        + [i.done_by_id for i in items]
        + [r.requested_by_id for r in document_requests]
        + [p for r in document_requests for i in r.items for p in (i.uploaded_by_id, i.reviewed_by_id)]
    )
    return {
        "task": task,
        "client": client,
        "task_type": task_type,
        "service_line": line,
        "queue": queue,
        "assignee": people.get(task.assignee_id),
        "creator": people.get(task.created_by_id),
        "transitions": sorted(TRANSITIONS[task.status], key=list(STATUS_LABELS).index),
        "status_labels": STATUS_LABELS,
        "checklist": items,
        "open_required": sum(1 for i in items if i.required and not i.done_at),
        "comments": task_comments,
        "attachments": files,
        "timeline": timeline,
        "timeline_more": timeline_more,
        "watchers": watching_people,
        "watching": any(p.id == viewer.id for p in watching_people),
        "people": people,
        "assignees": eligible_assignees(task) if task.is_open else [],
        "queues": list(db.session.scalars(select(Queue).where(Queue.archived_at.is_(None)).order_by(Queue.name))),
        "custom_fields": (task_type.custom_fields if task_type else []) or [],
        "max_attachment_mb": max(attachments.max_bytes() // (1024 * 1024), 1),
        "allowed_files": attachments.ALLOWED_LABEL,
        "accept": ",".join("." + ext for ext in attachments.ALLOWED),
        "document_requests": document_requests,
        "documents_summary": document_queries.summary_of(document_requests),
        "documents_default_due": document_queries.client_today(task.client_id) + timedelta(days=7),
        "running_timer": running_entry(viewer.id) if viewer.is_agency_user else None,
        "time_logged": task_minutes(task.id) if viewer.is_agency_user else None,
        "errors": {},
        "error": None,
        "form_values": {},
        "approvals": approval_queries.task_approvals(task, viewer),
        "needs_approval": approval_queries.blocks_completion(task),
        "approvers": eligible_approvers(task) if task.is_open else [],
        "reviewable_files": reviewable_files(task),
    }
