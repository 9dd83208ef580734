"""Reads of the people around a task: who may be assigned it, who may be asked to approve, who watches it."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import CLIENT_ROLES, User
from app.clients.queries import serving
from app.extensions import db
from app.work.models import QueueMember, Task, Watcher


def eligible_assignees(task_like) -> list[User]:
    """Who may be assigned: active agency admins, and active staff in the task's queue who serve its client."""
    in_queue = select(QueueMember.user_id).where(QueueMember.queue_id == task_like.queue_id)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.deactivated_at.is_(None),
                User.password_hash.is_not(None),
                (User.role == "agency_admin") | ((User.role == "staff") & User.id.in_(in_queue) & serving(User.id, task_like.client_id)),
            )
            .order_by(User.name)
        )
    )


def eligible_approvers(task: Task) -> list[User]:
    """Who may be named: the task's client's active users (signed up, not deactivated)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.client_id == task.client_id,
                User.role.in_(CLIENT_ROLES),
                User.deactivated_at.is_(None),
                User.password_hash.is_not(None),
            )
            .order_by(User.name)
        )
    )


def watchers_of(task: Task) -> list[User]:
    return list(db.session.scalars(select(User).join(Watcher, Watcher.user_id == User.id).where(Watcher.task_id == task.id)))


def people_by_id(ids) -> dict:
    """The users with these ids, by id (none asked: no query)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}
