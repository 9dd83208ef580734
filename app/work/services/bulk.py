"""Bulk changes on selected tasks: assign, status or priority, each task through the task services, failures per task."""

from __future__ import annotations

import uuid

from app.core.errors import AppError, ValidationFailed
from app.extensions import db
from app.work.access import task_for
from app.work.models import PRIORITIES, STATUSES
from app.work.services import tasks

ACTIONS = ("assign", "status", "priority")
MAX_TASKS = 200


def _check(action: str, value):
    if action not in ACTIONS:
        raise ValidationFailed("Choose what to change.", fields={"action": [f"Must be one of: {', '.join(ACTIONS)}."]})
    if action == "status" and value not in STATUSES:
        raise ValidationFailed("Choose a status.", fields={"value": [f"Must be one of: {', '.join(STATUSES)}."]})
    if action == "priority" and value not in PRIORITIES:
        raise ValidationFailed("Choose a priority.", fields={"value": [f"Must be one of: {', '.join(PRIORITIES)}."]})
    if action == "assign" and value not in (None, "", "me"):
        try:
            return uuid.UUID(str(value))
        except ValueError:
            raise ValidationFailed("Choose a staff member.", fields={"value": ["Use a user id, me, or nothing to unassign."]}) from None
    return value


def bulk_change(actor, task_ids, action: str, value) -> list[dict]:
    """Apply one change to each task; each task succeeds or fails alone (a savepoint each).

    Returns one result per requested id: {"task_id", "ok", "reference", "error"}.
    """
    value = _check(action, value)
    if action == "assign":
        value = actor.id if value == "me" else (value or None)
    ids = list(dict.fromkeys(task_ids or []))
    if not ids:
        raise ValidationFailed("Select at least one task.", fields={"task_ids": ["Select at least one task."]})
    if len(ids) > MAX_TASKS:
        raise ValidationFailed(f"Select at most {MAX_TASKS} tasks at once.", fields={"task_ids": [f"At most {MAX_TASKS}."]})
    results = []
    for task_id in ids:
        reference = None
        try:
            with db.session.begin_nested():
                task = task_for(actor, task_id)
                reference = task.reference
                if action == "assign":
                    tasks.assign(task, actor, value)
                elif action == "status":
                    tasks.transition(task, actor, value)
                else:
                    tasks.update_fields(task, actor, {"priority": value})
                db.session.flush()
        except AppError as error:
            results.append({"task_id": str(task_id), "ok": False, "reference": reference, "error": error.message})
            continue
        results.append({"task_id": str(task_id), "ok": True, "reference": reference, "error": None})
    return results
