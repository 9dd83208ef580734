"""Who may see and work which tasks: admins all; staff their queues' tasks for their clients and tasks assigned to them; client users their own."""

from __future__ import annotations

from sqlalchemy import Select, and_, or_, select

from app.clients.queries import clients_served, clients_served_by
from app.core.errors import NotFound
from app.extensions import db
from app.work.models import QueueMember, Task
from tenants.context import as_agency
from tenants.lookup import get_or_404, note_foreign_id
from tenants.unit_cache import remembered


def reach_of(user_id) -> tuple[list, list]:
    """The queues a staff member works and the clients they serve (read once per unit of work)."""

    def read():
        queues = list(db.session.scalars(select(QueueMember.queue_id).where(QueueMember.user_id == user_id)))
        return queues, clients_served(user_id)

    return remembered("reach", user_id, compute=read)


def staff_reach(stmt: Select, user_id) -> Select:
    """Narrow a task select to queues the staff member belongs to and clients they serve, plus tasks assigned to them.

    The two short id lists are read first and passed as IN lists: the planner then walks the urgency indexes and
    filters rows as it goes, where correlated EXISTS sub-queries lead it to join first and sort everything.
    """
    queues, clients = reach_of(user_id)
    return stmt.where(or_(and_(Task.queue_id.in_(queues), Task.client_id.in_(clients)), Task.assignee_id == user_id))


def visible_tasks(actor) -> Select:
    stmt = select(Task)
    if actor.role == "staff":
        stmt = staff_reach(stmt, actor.id)
    return stmt  # client users: the tenant scoping already narrows tasks to their client


def can_see(actor, task: Task) -> bool:
    if actor.role == "staff":
        return db.session.scalar(staff_reach(select(Task.id).where(Task.id == task.id), actor.id)) is not None
    return True


def audience(task: Task, user_ids) -> list:
    """Of these users (ids), those the task may be shown to, in order: the one reach rule for every audience.

    Staff must reach the task (queue and client, or assignee); admins and the task's own client's people may.
    """
    from app.accounts.models import User

    wanted = [user_id for user_id in dict.fromkeys(user_ids) if user_id is not None]
    if not wanted:
        return []
    with as_agency():  # a client user's action may notify staff, whose rows and reach lie outside the client's scope
        users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(wanted)))}
        return [
            user_id
            for user_id in wanted
            if user_id in users and can_see(users[user_id], task) and (users[user_id].client_id is None or users[user_id].client_id == task.client_id)
        ]


def audiences(candidates: dict) -> dict:
    """audience() for many tasks at once: {task: user ids} to {task id: those it may be shown to}, in a few queries.

    The same rule as audience() and can_see(), with every staff member's reach read once (a sweep after downtime
    tells people of tens of thousands of tasks; a query per person and task would take minutes).
    """
    from app.accounts.models import User

    wanted = {task.id: [u for u in dict.fromkeys(user_ids) if u is not None] for task, user_ids in candidates.items()}
    everyone = {u for ids in wanted.values() for u in ids}
    if not everyone:
        return {task_id: [] for task_id in wanted}
    with as_agency():
        users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(list(everyone))))}
        staff = [user_id for user_id, user in users.items() if user.role == "staff"]
        queues, clients = {}, {}
        if staff:
            for user_id, queue_id in db.session.execute(select(QueueMember.user_id, QueueMember.queue_id).where(QueueMember.user_id.in_(staff))):
                queues.setdefault(user_id, set()).add(queue_id)
            clients = clients_served_by(staff)

    def sees(user, task) -> bool:
        if (
            user.role == "staff"
            and task.assignee_id != user.id
            and not (task.queue_id in queues.get(user.id, ()) and task.client_id in clients.get(user.id, ()))
        ):
            return False
        return user.client_id is None or user.client_id == task.client_id

    return {task.id: [u for u in wanted[task.id] if u in users and sees(users[u], task)] for task in candidates}


def task_for(actor, task_id) -> Task:
    """The task with this id if the actor may see it; 404 otherwise (logging probes of other tenants)."""
    task = get_or_404(Task, task_id)
    if not can_see(actor, task):
        note_foreign_id(Task, task_id)
        raise NotFound()
    return task


def may_work(actor) -> bool:
    """Agency users work tasks; client users only follow them."""
    return actor.role in ("agency_admin", "staff")
