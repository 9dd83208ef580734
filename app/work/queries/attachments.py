"""Reads of a task's files, narrowed to what the viewer may see (client users: client-visible ones only)."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.core.errors import NotFound
from app.core.visibility import client_visible, row_visible_to, visible_to
from app.extensions import db
from app.work.models import Attachment, Task
from tenants.lookup import get_or_404


def task_attachments(task: Task, viewer) -> Select:
    """A select of the task's files the viewer may see (unordered)."""
    return visible_to(select(Attachment).where(Attachment.task_id == task.id), Attachment, viewer)


def attachments_of(task: Task, viewer) -> list[Attachment]:
    return list(db.session.scalars(task_attachments(task, viewer).order_by(Attachment.created_at, Attachment.id)))


def attachment_of(task: Task, attachment_id, viewer) -> Attachment:
    """One file of this task the viewer may see (404 otherwise)."""
    row = get_or_404(Attachment, attachment_id)
    if row.task_id != task.id or not row_visible_to(row, viewer):
        raise NotFound()
    return row


def reviewable_files(task: Task) -> list[Attachment]:
    """The task's files the client can see, which an approval request may ask them to review."""
    return list(
        db.session.scalars(
            select(Attachment).where(Attachment.task_id == task.id, client_visible(Attachment)).order_by(Attachment.created_at, Attachment.id)
        )
    )
