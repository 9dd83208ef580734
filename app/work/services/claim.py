"""Claim next: give the caller the most urgent unassigned open task it may take, never the same task to two people.

PostgreSQL locks the candidate row with SELECT ... FOR UPDATE SKIP LOCKED, so concurrent claimers each skip the
rows the others hold. SQLite has no row locks: a conditional UPDATE (still unassigned?) takes the database's
single write lock, and a lost race retries with the next candidate.
"""

from __future__ import annotations

from sqlalchemy import Select, update

from app.core.errors import Forbidden
from app.core.types import utcnow
from app.extensions import db
from app.work.access import may_work
from app.work.models import Task
from app.work.queries.keyset import SORTS, order_by
from app.work.queries.lists import tasks_in_reach
from app.work.queries.queues import queue_for
from app.work.services import tasks

SQLITE_ATTEMPTS = 5


def claimable(actor, queue_id=None) -> Select:
    """Unassigned open tasks the actor may take (its reach; optionally one queue), most urgent first."""
    stmt = tasks_in_reach(actor).where(Task.closed_at.is_(None), Task.assignee_id.is_(None), Task.status != "waiting_on_client")
    if queue_id is not None:
        stmt = stmt.where(Task.queue_id == queue_id)
    return stmt.order_by(*order_by(SORTS["urgency"]))


def claim_next_task(actor, queue_id=None) -> Task | None:
    """Assign the most urgent claimable task to the actor (through tasks.assign) and return it; None when none is left."""
    if not may_work(actor):
        raise Forbidden("Only agency staff can claim tasks.")
    if queue_id is not None:
        queue_id = queue_for(actor, queue_id).id
    stmt = claimable(actor, queue_id)
    if db.session.get_bind().dialect.name == "postgresql":
        task = db.session.scalar(stmt.limit(1).with_for_update(skip_locked=True, of=Task).execution_options(populate_existing=True))
        return _take(task, actor) if task is not None else None
    for _ in range(SQLITE_ATTEMPTS):
        task = db.session.scalar(stmt.limit(1).execution_options(populate_existing=True))
        if task is None:
            return None
        won = db.session.execute(
            update(Task)
            .where(Task.agency_id == task.agency_id, Task.id == task.id, Task.assignee_id.is_(None), Task.closed_at.is_(None))
            .values(updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if won == 1:
            db.session.refresh(task)
            return _take(task, actor)
    return None


def _take(task: Task, actor) -> Task:
    tasks.assign(task, actor, actor.id)
    db.session.flush()
    return task
