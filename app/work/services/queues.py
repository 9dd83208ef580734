"""Queue writes: create, edit, archive and restore queues, and set which staff work them."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from app.accounts.models import User
from app.catalog.models import ServiceLine
from app.core import audit
from app.core.errors import ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from app.work.models import Queue, QueueMember
from tenants.lookup import get_in_tenant

EDITABLE = ("name", "description", "service_line_id")


def _clean(values: dict, queue: Queue | None) -> dict:
    clean = {}
    if "name" in values or queue is None:
        name = (values.get("name") or "").strip()
        if not name:
            raise ValidationFailed("Give the queue a name.", fields={"name": ["Required."]})
        if len(name) > 100:
            raise ValidationFailed("The name is too long.", fields={"name": ["At most 100 characters."]})
        taken = select(Queue.id).where(Queue.name == name)
        if queue is not None:
            taken = taken.where(Queue.id != queue.id)
        if db.session.scalar(taken):
            raise ValidationFailed(f"A queue called “{name}” already exists.", fields={"name": ["Already used by another queue."]})
        clean["name"] = name
    if "description" in values:
        clean["description"] = (values.get("description") or "").strip() or None
    if "service_line_id" in values:
        line_id = values.get("service_line_id") or None
        if line_id is not None:
            line = get_in_tenant(ServiceLine, line_id)
            if line is None or line.archived_at is not None:
                raise ValidationFailed("Choose an active service line.", fields={"service_line_id": ["Unknown or archived service line."]})
            line_id = line.id
        clean["service_line_id"] = line_id
    return clean


def create_queue(values: dict) -> Queue:
    queue = Queue(**_clean(values, None))
    db.session.add(queue)
    db.session.flush()
    audit.record("queue.created", queue, name=queue.name)
    return queue


def update_queue(queue: Queue, values: dict) -> Queue:
    audit.record_changes(queue, _clean(values, queue), "queue.updated")
    return queue


def archive_queue(queue: Queue) -> Queue:
    if queue.archived_at is None:
        queue.archived_at = utcnow()
        db.session.flush()
        audit.record("queue.archived", queue, name=queue.name)
    return queue


def restore_queue(queue: Queue) -> Queue:
    if queue.archived_at is not None:
        queue.archived_at = None
        db.session.flush()
        audit.record("queue.restored", queue, name=queue.name)
    return queue


def set_members(queue: Queue, user_ids) -> list[User]:
    """Make exactly these active agency users (staff or admins) the queue's members."""
    wanted = []
    for raw in user_ids or []:
        try:
            wanted.append(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
        except ValueError:
            raise ValidationFailed("Choose staff members from the list.", fields={"staff_ids": ["Not a valid id."]}) from None
    users = []
    for user_id in dict.fromkeys(wanted):
        user = get_in_tenant(User, user_id)
        if user is None or not user.is_agency_user or user.deactivated_at is not None:
            raise ValidationFailed("Only active agency staff can work a queue.", fields={"staff_ids": ["Unknown or inactive staff member."]})
        users.append(user)
    current = {m.user_id: m for m in db.session.scalars(select(QueueMember).where(QueueMember.queue_id == queue.id))}
    keep = {user.id for user in users}
    removed = [uid for uid in current if uid not in keep]
    if removed:
        db.session.execute(
            delete(QueueMember)
            .where(QueueMember.queue_id == queue.id, QueueMember.user_id.in_(removed))
            .execution_options(synchronize_session="fetch")
        )
    added = [user.id for user in users if user.id not in current]
    for user_id in added:
        db.session.add(QueueMember(queue_id=queue.id, user_id=user_id))
    db.session.flush()
    if added or removed:
        audit.record("queue.members_changed", queue, added=[str(u) for u in added], removed=[str(u) for u in removed])
    return sorted(users, key=lambda u: u.name)
