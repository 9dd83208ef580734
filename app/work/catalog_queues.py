"""Work's queues as the catalog's queue directory: the default queue of a task type, and each service line's queue."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.catalog.queues import QueueChoice
from app.extensions import db
from app.work.models import Queue
from tenants.lookup import get_in_tenant


class WorkQueueDirectory:
    """Answers the catalog's questions about queues (see app.catalog.queues.QueueDirectory)."""

    def active_queues(self) -> list[QueueChoice]:
        rows = db.session.execute(select(Queue.id, Queue.name).where(Queue.archived_at.is_(None)).order_by(Queue.name))
        return [QueueChoice(queue_id, name) for queue_id, name in rows]

    def queue_names(self) -> dict[uuid.UUID, str]:
        return dict(db.session.execute(select(Queue.id, Queue.name)).all())

    def active_queue_id(self, queue_id) -> uuid.UUID | None:
        queue = get_in_tenant(Queue, queue_id)
        return queue.id if queue is not None and queue.archived_at is None else None

    def line_queue_id(self, service_line_id) -> uuid.UUID | None:
        return db.session.scalar(select(Queue.id).where(Queue.service_line_id == service_line_id, Queue.archived_at.is_(None)).order_by(Queue.name))

    def ensure_line_queue(self, name: str, description: str, service_line_id) -> tuple[uuid.UUID, bool]:
        queue_id = db.session.scalar(select(Queue.id).where(Queue.name == name)) or self.line_queue_id(service_line_id)
        if queue_id is not None:
            return queue_id, False
        queue = Queue(name=name, description=description, service_line_id=service_line_id)
        db.session.add(queue)
        db.session.flush()
        return queue.id, True
