"""Who watches a task (is told about its changes): watch, unwatch and list."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.core.errors import Forbidden
from app.extensions import db
from app.work.models import Task, Watcher
from app.work.services import activity


def is_watching(task: Task, user: User) -> bool:
    return db.session.scalar(select(Watcher.id).where(Watcher.task_id == task.id, Watcher.user_id == user.id)) is not None


def watch(task: Task, user: User) -> bool:
    """Start watching; False when already watching."""
    if not user.is_agency_user and user.client_id != task.client_id:
        raise Forbidden("You cannot watch this task.")
    if is_watching(task, user):
        return False
    db.session.add(Watcher(task_id=task.id, client_id=task.client_id, user_id=user.id))
    db.session.flush()
    activity.record(task, "watch_started", user)
    return True


def unwatch(task: Task, user: User) -> bool:
    """Stop watching; False when not watching."""
    row = db.session.scalar(select(Watcher).where(Watcher.task_id == task.id, Watcher.user_id == user.id))
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    activity.record(task, "watch_stopped", user)
    return True
