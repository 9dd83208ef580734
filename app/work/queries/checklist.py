"""Reads of a task's checklist: its items in order, and one item of the task."""

from __future__ import annotations

from sqlalchemy import select

from app.core.errors import NotFound
from app.extensions import db
from app.work.models import ChecklistItem, Task
from tenants.lookup import get_or_404


def items_of(task: Task) -> list[ChecklistItem]:
    return list(db.session.scalars(select(ChecklistItem).where(ChecklistItem.task_id == task.id).order_by(ChecklistItem.position, ChecklistItem.id)))


def item_of(task: Task, checklist_item_id) -> ChecklistItem:
    """The item with this id on this task (404 for another task's item or another tenant's)."""
    item = get_or_404(ChecklistItem, checklist_item_id)
    if item.task_id != task.id:
        raise NotFound()
    return item
