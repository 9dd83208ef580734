"""A task's checklist: tick and untick, add, edit, remove and reorder items (template items are editable per task)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core import audit
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from app.work.models import ChecklistItem, Task
from app.work.queries.checklist import items_of
from app.work.services import activity

MAX_ITEMS = 200


def _require_agency_user(actor) -> None:
    if actor is None or actor.role not in ("agency_admin", "staff"):
        raise Forbidden("Only agency staff can change the checklist.")


def _clean_title(title) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("Give the checklist item a title.", fields={"title": ["Required."]})
    if len(title) > 200:
        raise ValidationFailed("Keep the checklist item under 200 characters.", fields={"title": ["At most 200 characters."]})
    return title


def add_item(task: Task, actor, title: str, *, required: bool = False) -> ChecklistItem:
    _require_agency_user(actor)
    title = _clean_title(title)
    count, last = db.session.execute(
        select(func.count(ChecklistItem.id), func.max(ChecklistItem.position)).where(ChecklistItem.task_id == task.id)
    ).one()
    if count >= MAX_ITEMS:
        raise Conflict(f"A checklist holds at most {MAX_ITEMS} items.")
    item = ChecklistItem(
        task_id=task.id, client_id=task.client_id, position=(last if last is not None else -1) + 1, title=title, required=bool(required)
    )
    db.session.add(item)
    db.session.flush()
    activity.record(task, "checklist_item_added", actor, item=item.id, title=title, required=item.required)
    audit.record("task.checklist_item_added", item, client_id=task.client_id)
    return item


def set_done(task: Task, item: ChecklistItem, actor, done: bool) -> ChecklistItem:
    """Tick (done=True) or untick an item."""
    _require_agency_user(actor)
    if bool(item.done_at) == bool(done):
        return item
    item.done_at = utcnow() if done else None
    item.done_by_id = actor.id if done else None
    activity.record(task, "checklist_item_ticked" if done else "checklist_item_unticked", actor, item=item.id, title=item.title)
    return item


def update_item(task: Task, item: ChecklistItem, actor, values: dict) -> ChecklistItem:
    """Change an item's title, whether it is required, or whether it is done."""
    _require_agency_user(actor)
    if "title" in values:
        title = _clean_title(values["title"])
        if title != item.title:
            activity.record(task, "checklist_item_renamed", actor, item=item.id, old=item.title, new=title)
            item.title = title
    if "required" in values and bool(values["required"]) != item.required:
        item.required = bool(values["required"])
        activity.record(task, "checklist_item_required" if item.required else "checklist_item_optional", actor, item=item.id, title=item.title)
    if "done" in values:
        set_done(task, item, actor, bool(values["done"]))
    return item


def remove_item(task: Task, item: ChecklistItem, actor) -> None:
    _require_agency_user(actor)
    activity.record(task, "checklist_item_removed", actor, item=item.id, title=item.title)
    audit.record("task.checklist_item_removed", item, client_id=task.client_id, title=item.title)
    db.session.delete(item)
    db.session.flush()


def move_item(task: Task, item: ChecklistItem, actor, direction: str) -> ChecklistItem:
    """Swap an item with its neighbour above ("up") or below ("down"); positions are renumbered 0..n-1."""
    _require_agency_user(actor)
    if direction not in ("up", "down"):
        raise ValidationFailed("Move an item up or down.", fields={"direction": ["Must be up or down."]})
    items = items_of(task)
    index = next(i for i, row in enumerate(items) if row.id == item.id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        activity.record(task, "checklist_item_moved", actor, item=item.id, title=item.title, direction=direction)
    for position, row in enumerate(items):
        if row.position != position:
            row.position = position
    return item


def open_required_count(task: Task) -> int:
    return (
        db.session.scalar(
            select(func.count(ChecklistItem.id)).where(
                ChecklistItem.task_id == task.id, ChecklistItem.required.is_(True), ChecklistItem.done_at.is_(None)
            )
        )
        or 0
    )
