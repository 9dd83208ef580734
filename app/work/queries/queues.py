"""Queue reads: which queues an actor sees, their members and open-task counts; saved filters of a user."""

from __future__ import annotations

from sqlalchemy import Select, exists, func, select

from app.accounts.models import User
from app.core.errors import NotFound
from app.extensions import db
from app.work.access import reach_of
from app.work.models import Queue, QueueMember, SavedFilter, Task
from app.work.queries.lists import tasks_in_reach
from tenants.lookup import get_or_404, note_foreign_id


def visible_queues(actor, *, status: str = "active") -> Select:
    """Admins see every queue; staff the queues they belong to."""
    stmt = select(Queue)
    if actor.role == "staff":
        stmt = stmt.where(exists().where(QueueMember.queue_id == Queue.id, QueueMember.user_id == actor.id))
    if status == "active":
        stmt = stmt.where(Queue.archived_at.is_(None))
    elif status == "archived":
        stmt = stmt.where(Queue.archived_at.is_not(None))
    return stmt.order_by(Queue.name, Queue.id)


def list_queues(actor, *, status: str = "active") -> list[Queue]:
    return list(db.session.scalars(visible_queues(actor, status=status)))


def queue_for(actor, queue_id) -> Queue:
    """The queue if the actor may see it (staff: a member); 404 otherwise."""
    queue = get_or_404(Queue, queue_id)
    # Membership from the staff member's reach, which the queue's list reads next anyway (once per unit of work).
    if actor.role == "staff" and queue.id not in reach_of(actor.id)[0]:
        note_foreign_id(Queue, queue_id)
        raise NotFound()
    return queue


def members_of(queue: Queue) -> list[User]:
    return list(
        db.session.scalars(select(User).join(QueueMember, QueueMember.user_id == User.id).where(QueueMember.queue_id == queue.id).order_by(User.name))
    )


def member_counts() -> dict:
    return dict(db.session.execute(select(QueueMember.queue_id, func.count()).group_by(QueueMember.queue_id)).all())


def open_counts(actor, queue_ids) -> dict:
    """Open and unassigned-open tasks per queue, among the tasks the actor can see."""
    if not queue_ids:
        return {}
    stmt = (
        tasks_in_reach(actor)
        .where(Task.queue_id.in_(list(queue_ids)), Task.closed_at.is_(None))
        .with_only_columns(Task.queue_id, func.count(), func.count().filter(Task.assignee_id.is_(None)))
        .group_by(Task.queue_id)
    )
    return {row[0]: {"open": row[1], "unassigned": row[2]} for row in db.session.execute(stmt)}


def saved_filters(actor, view: str | None = None) -> list[SavedFilter]:
    stmt = select(SavedFilter).where(SavedFilter.user_id == actor.id)
    if view:
        stmt = stmt.where(SavedFilter.view == view)
    return list(db.session.scalars(stmt.order_by(SavedFilter.view, SavedFilter.name)))


def saved_filter_for(actor, saved_filter_id) -> SavedFilter:
    """One of the actor's own saved filters; 404 for anybody else's."""
    row = get_or_404(SavedFilter, saved_filter_id)
    if row.user_id != actor.id:
        raise NotFound()
    return row
