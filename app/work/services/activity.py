"""The task timeline: one Activity row per change."""

from __future__ import annotations

import uuid

from app.extensions import db
from app.work.models import Activity, Task


def record(task: Task, kind: str, actor=None, *, client_visible: bool = False, **data) -> Activity:
    clean = {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in data.items()}
    row = Activity(
        task_id=task.id, client_id=task.client_id, actor_id=getattr(actor, "id", None), kind=kind, data=clean, client_visible=client_visible
    )
    db.session.add(row)
    return row
