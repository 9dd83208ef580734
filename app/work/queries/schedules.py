"""Recurring schedule reads, narrowed to what the caller may see (staff: schedules of the clients they serve)."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from app.catalog.models import TaskType
from app.clients.queries import serves, serving
from app.core.errors import Forbidden, NotFound
from app.core.pagination import keyset_page
from app.extensions import db
from app.work.access import visible_tasks
from app.work.models import RecurringSchedule, Task
from tenants.lookup import get_or_404, note_foreign_id
from tenants.models import Client

STATUSES = ("active", "paused", "all")
SORTS = {
    "title": (RecurringSchedule.title,),
    "client": (Client.name, RecurringSchedule.title),
    "newest": (RecurringSchedule.created_at.desc(),),
    "starts": (RecurringSchedule.starts_on,),
}


def visible_schedules(actor) -> Select:
    if actor.role not in ("agency_admin", "staff"):
        raise Forbidden("Recurring work is managed by agency staff.")
    stmt = select(RecurringSchedule)
    if actor.role == "staff":
        stmt = stmt.where(serving(actor.id, RecurringSchedule.client_id))
    return stmt


def schedule_for(actor, schedule_id) -> RecurringSchedule:
    visible_schedules(actor)
    schedule = get_or_404(RecurringSchedule, schedule_id)
    if actor.role == "staff" and not serves(actor.id, schedule.client_id):
        note_foreign_id(RecurringSchedule, schedule_id)
        raise NotFound()
    return schedule


def _filtered(actor, *, client_id=None, task_type_id=None, status=None, frequency=None, q=None) -> Select:
    stmt = visible_schedules(actor)
    if client_id:
        stmt = stmt.where(RecurringSchedule.client_id == client_id)
    if task_type_id:
        stmt = stmt.where(RecurringSchedule.task_type_id == task_type_id)
    if status == "active":
        stmt = stmt.where(RecurringSchedule.paused_at.is_(None))
    elif status == "paused":
        stmt = stmt.where(RecurringSchedule.paused_at.is_not(None))
    if frequency:
        stmt = stmt.where(RecurringSchedule.frequency == frequency)
    if q:
        stmt = stmt.where(func.lower(RecurringSchedule.title).like(f"%{q.strip().lower()}%"))
    return stmt


def list_schedules(actor, *, limit=None, cursor=None, **filters):
    """For the API: by title, keyset paginated."""
    return keyset_page(_filtered(actor, **filters), RecurringSchedule.title, RecurringSchedule.id, limit=limit, cursor=cursor)


def schedule_page(actor, *, sort: str = "title", page: int = 1, per_page: int = 50, **filters):
    """For the pages: sorted, offset pages (a short list per agency), with client and task type names."""
    stmt = _filtered(actor, **filters).join(Client, Client.id == RecurringSchedule.client_id)
    order = SORTS.get(sort, SORTS["title"])
    rows = list(db.session.scalars(stmt.order_by(*order, RecurringSchedule.id).offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page


def names(model, ids) -> dict:
    ids = {i for i in ids if i}
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all()) if ids else {}


def client_names(ids) -> dict:
    return names(Client, ids)


def task_type_names(ids) -> dict:
    return names(TaskType, ids)


def recent_tasks(schedule: RecurringSchedule, actor, limit: int = 12) -> list[Task]:
    """The schedule's latest tasks that the viewer can open (staff: within their reach)."""
    return list(
        db.session.scalars(visible_tasks(actor).where(Task.recurring_schedule_id == schedule.id).order_by(Task.occurrence_date.desc()).limit(limit))
    )
