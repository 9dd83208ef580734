"""Reads of a task's comments, narrowed to what the viewer may see (client users: client-visible ones only)."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.core.errors import NotFound
from app.core.visibility import row_visible_to, visible_to
from app.extensions import db
from app.work.models import Comment, Task
from tenants.lookup import get_or_404


def task_comments(task: Task, viewer) -> Select:
    """A select of the task's comments the viewer may see (unordered)."""
    return visible_to(select(Comment).where(Comment.task_id == task.id), Comment, viewer)


def comments_of(task: Task, viewer) -> list[Comment]:
    """The task's comments, oldest first; client users see only client-visible ones."""
    return list(db.session.scalars(task_comments(task, viewer).order_by(Comment.created_at, Comment.id)))


def comment_of(task: Task, comment_id, viewer) -> Comment:
    """One comment of this task the viewer may see (404 otherwise)."""
    comment = get_or_404(Comment, comment_id)
    if comment.task_id != task.id or not row_visible_to(comment, viewer):
        raise NotFound()
    return comment
