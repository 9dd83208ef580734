"""Catalog writes: service lines, task types, each client's services, and the default catalog of a new agency."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.catalog.defaults import DEFAULT_CATALOG
from app.catalog.fields import clean_definitions
from app.catalog.models import PRIORITIES, ClientService, ServiceLine, TaskType
from app.catalog.queues import directory as queue_directory
from app.core import audit
from app.core.errors import Conflict, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from tenants.lookup import get_in_tenant
from tenants.models import Client

CODE_RE = re.compile(r"^[A-Z]{2,8}$")
LINE_FIELDS = ("name", "code", "description", "position")
TYPE_FIELDS = (
    "service_line_id",
    "name",
    "description",
    "default_queue_id",
    "default_priority",
    "expected_minutes",
    "checklist_template",
    "custom_fields",
)
MAX_CHECKLIST_ITEMS = 100


# --- service lines ---------------------------------------------------------------------------


def _clean_line(values: dict) -> dict:
    cleaned = {}
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name or len(name) > 100:
            raise ValidationFailed("A service line needs a name (up to 100 characters).", fields={"name": ["Required, up to 100 characters."]})
        cleaned["name"] = name
    if "code" in values:
        code = (values["code"] or "").strip().upper()
        if not CODE_RE.match(code):
            raise ValidationFailed(
                "A service line code is 2 to 8 letters, such as BK; it prefixes task numbers.", fields={"code": ["Use 2 to 8 letters A-Z."]}
            )
        cleaned["code"] = code
    if "description" in values:
        cleaned["description"] = (values["description"] or "").strip() or None
    if "position" in values:
        position = values["position"]
        if position is None:
            position = 0
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 10_000:
            raise ValidationFailed("The position is a whole number from 0 to 10000.", fields={"position": ["Not a valid position."]})
        cleaned["position"] = position
    return cleaned


def _ensure_unique_line(cleaned: dict, exclude_id=None) -> None:
    for key, label in (("code", "code"), ("name", "name")):
        if key not in cleaned:
            continue
        stmt = select(ServiceLine.id).where(getattr(ServiceLine, key) == cleaned[key])
        if exclude_id is not None:
            stmt = stmt.where(ServiceLine.id != exclude_id)
        if db.session.scalar(stmt):
            raise Conflict(f"A service line with the {label} {cleaned[key]} already exists.", fields={key: ["Already in use."]})


def create_service_line(values: dict) -> ServiceLine:
    cleaned = _clean_line(values)
    missing = [key for key in ("name", "code") if key not in cleaned]
    if missing:
        raise ValidationFailed("A service line needs a name and a code.", fields={key: ["Required."] for key in missing})
    _ensure_unique_line(cleaned)
    if "position" not in cleaned:
        cleaned["position"] = (db.session.scalar(select(func.max(ServiceLine.position))) or 0) + 10
    line = ServiceLine(**cleaned)
    db.session.add(line)
    db.session.flush()
    audit.record("service_line.created", line, name=line.name, code=line.code)
    return line


def update_service_line(line: ServiceLine, values: dict) -> ServiceLine:
    cleaned = _clean_line(values)
    _ensure_unique_line(cleaned, exclude_id=line.id)
    audit.record_changes(line, cleaned, "service_line.updated")
    return line


def archive_service_line(line: ServiceLine) -> ServiceLine:
    """Archive a line and, with the same stamp, its active task types (restoring the line brings those back)."""
    if line.archived_at is None:
        now = utcnow()
        line.archived_at = now
        types = db.session.scalars(select(TaskType).where(TaskType.service_line_id == line.id, TaskType.archived_at.is_(None))).all()
        for task_type in types:
            task_type.archived_at = now
        db.session.flush()
        audit.record("service_line.archived", line, task_types_archived=len(types))
    return line


def restore_service_line(line: ServiceLine) -> ServiceLine:
    if line.archived_at is not None:
        stamp = line.archived_at
        line.archived_at = None
        types = db.session.scalars(select(TaskType).where(TaskType.service_line_id == line.id, TaskType.archived_at == stamp)).all()
        for task_type in types:
            task_type.archived_at = None
        db.session.flush()
        audit.record("service_line.restored", line, task_types_restored=len(types))
    return line


# --- task types ------------------------------------------------------------------------------


def clean_checklist(raw) -> list[dict]:
    """A checklist template: [{"title": str, "required": bool}], titles 1-200 characters."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValidationFailed("The checklist template must be a list.", fields={"checklist_template": ["Must be a list."]})
    if len(raw) > MAX_CHECKLIST_ITEMS:
        raise ValidationFailed(
            f"A checklist has at most {MAX_CHECKLIST_ITEMS} items.", fields={"checklist_template": [f"At most {MAX_CHECKLIST_ITEMS} items."]}
        )
    items = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) - {"title", "required"}:
            raise ValidationFailed(
                "Each checklist item has a title and an optional required flag.", fields={"checklist_template": {index: ["Use {title, required}."]}}
            )
        title = item.get("title")
        title = title.strip() if isinstance(title, str) else ""
        if not title or len(title) > 200:
            raise ValidationFailed(
                f"Checklist item {index + 1} needs a title of up to 200 characters.",
                fields={"checklist_template": {index: {"title": ["Required, up to 200 characters."]}}},
            )
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise ValidationFailed(
                f"Checklist item {index + 1}: required is true or false.",
                fields={"checklist_template": {index: {"required": ["Must be true or false."]}}},
            )
        items.append({"title": title, "required": required})
    return items


def _active_line(line_id) -> ServiceLine:
    line = get_in_tenant(ServiceLine, line_id) if line_id else None
    if line is None or line.archived_at is not None:
        raise ValidationFailed("Choose an active service line.", fields={"service_line_id": ["Unknown or archived service line."]})
    return line


def _type_name(value) -> str:
    name = (value or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed("A task type needs a name (up to 120 characters).", fields={"name": ["Required, up to 120 characters."]})
    return name


def _default_queue_id(queue_id):
    """The id of the active queue chosen as a type's default, or None when none is chosen."""
    active_id = queue_directory().active_queue_id(queue_id) if queue_id else None
    if queue_id and active_id is None:
        raise ValidationFailed("Choose an active queue.", fields={"default_queue_id": ["Unknown or archived queue."]})
    return active_id


def _default_priority(priority) -> str:
    if priority not in PRIORITIES:
        raise ValidationFailed("Unknown priority.", fields={"default_priority": [f"Must be one of: {', '.join(PRIORITIES)}."]})
    return priority


def _expected_minutes(minutes) -> int | None:
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 100_000):
        raise ValidationFailed("Expected effort is a number of minutes from 1 to 100000.", fields={"expected_minutes": ["From 1 to 100000 minutes."]})
    return minutes


# Each task-type field given, in order, with the function that checks and cleans its value.
TYPE_FIELD_CLEANERS = (
    ("service_line_id", lambda value: _active_line(value).id),
    ("name", _type_name),
    ("description", lambda value: (value or "").strip() or None),
    ("default_queue_id", _default_queue_id),
    ("default_priority", _default_priority),
    ("expected_minutes", _expected_minutes),
    ("checklist_template", clean_checklist),
    ("custom_fields", lambda value: clean_definitions(value if value is not None else [])),
)


def _clean_type(values: dict) -> dict:
    return {key: clean(values[key]) for key, clean in TYPE_FIELD_CLEANERS if key in values}


def _ensure_unique_type(service_line_id, name: str, exclude_id=None) -> None:
    stmt = select(TaskType.id).where(TaskType.service_line_id == service_line_id, TaskType.name == name)
    if exclude_id is not None:
        stmt = stmt.where(TaskType.id != exclude_id)
    if db.session.scalar(stmt):
        raise Conflict(f"This service line already has a task type named {name}.", fields={"name": ["Already in use."]})


def create_task_type(values: dict) -> TaskType:
    cleaned = _clean_type(values)
    missing = [key for key in ("service_line_id", "name") if key not in cleaned]
    if missing:
        raise ValidationFailed("A task type needs a service line and a name.", fields={key: ["Required."] for key in missing})
    _ensure_unique_type(cleaned["service_line_id"], cleaned["name"])
    if cleaned.get("default_queue_id") is None:
        cleaned["default_queue_id"] = queue_directory().line_queue_id(cleaned["service_line_id"])
    cleaned.setdefault("default_priority", "normal")
    cleaned.setdefault("checklist_template", [])
    cleaned.setdefault("custom_fields", [])
    task_type = TaskType(**cleaned)
    db.session.add(task_type)
    db.session.flush()
    audit.record("task_type.created", task_type, name=task_type.name, service_line_id=task_type.service_line_id)
    return task_type


def update_task_type(task_type: TaskType, values: dict) -> TaskType:
    cleaned = _clean_type(values)
    if "name" in cleaned or "service_line_id" in cleaned:
        _ensure_unique_type(cleaned.get("service_line_id", task_type.service_line_id), cleaned.get("name", task_type.name), exclude_id=task_type.id)
    audit.record_changes(task_type, cleaned, "task_type.updated")
    return task_type


def archive_task_type(task_type: TaskType) -> TaskType:
    if task_type.archived_at is None:
        task_type.archived_at = utcnow()
        db.session.flush()
        audit.record("task_type.archived", task_type)
    return task_type


def restore_task_type(task_type: TaskType) -> TaskType:
    if task_type.archived_at is not None:
        line = get_in_tenant(ServiceLine, task_type.service_line_id)
        if line is not None and line.archived_at is not None:
            raise Conflict(f"Restore the service line {line.name} first.", fields={"service_line_id": ["The service line is archived."]})
        task_type.archived_at = None
        db.session.flush()
        audit.record("task_type.restored", task_type)
    return task_type


# --- client services -------------------------------------------------------------------------


def _current_services(client: Client) -> dict:
    return {row.service_line_id: row for row in db.session.scalars(select(ClientService).where(ClientService.client_id == client.id))}


def add_client_service(client: Client, service_line_id) -> ServiceLine:
    line = _active_line(service_line_id)
    if line.id not in _current_services(client):
        db.session.add(ClientService(client_id=client.id, service_line_id=line.id))
        db.session.flush()
        audit.record("client.service_added", client, client_id=client.id, service_line_id=line.id, code=line.code)
    return line


def remove_client_service(client: Client, service_line_id) -> None:
    line = get_in_tenant(ServiceLine, service_line_id)
    row = _current_services(client).get(line.id) if line is not None else None
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        audit.record("client.service_removed", client, client_id=client.id, service_line_id=line.id, code=line.code)


def set_client_services(client: Client, service_line_ids: list) -> list[ServiceLine]:
    """Make the client have exactly these service lines (archived ones it already has may stay); returns them."""
    current = _current_services(client)
    wanted = set()
    for raw in service_line_ids:
        line = get_in_tenant(ServiceLine, raw)
        if line is None or (line.archived_at is not None and line.id not in current):
            raise ValidationFailed("Choose active service lines.", fields={"service_line_ids": [f"Unknown or archived service line {raw}."]})
        wanted.add(line.id)
    for line_id in sorted(wanted - current.keys()):
        add_client_service(client, line_id)
    for line_id in sorted(current.keys() - wanted):
        remove_client_service(client, line_id)
    if not wanted:
        return []
    return list(db.session.scalars(select(ServiceLine).where(ServiceLine.id.in_(wanted)).order_by(ServiceLine.position, ServiceLine.name)))


# --- the default catalog ---------------------------------------------------------------------


def seed_default_catalog() -> dict:
    """Give the current agency the default service lines, queues and task types; creates only what is missing."""
    created = {"service_lines": 0, "queues": 0, "task_types": 0}
    for position, spec in enumerate(DEFAULT_CATALOG, start=1):
        line = db.session.scalar(select(ServiceLine).where(ServiceLine.code == spec["code"]))
        line = line or db.session.scalar(select(ServiceLine).where(ServiceLine.name == spec["name"]))
        if line is None:
            line = ServiceLine(name=spec["name"], code=spec["code"], description=spec["description"], position=position * 10)
            db.session.add(line)
            db.session.flush()
            created["service_lines"] += 1
        queue_id, queue_created = queue_directory().ensure_line_queue(spec["name"], f"{spec['name']} work for every client.", line.id)
        created["queues"] += int(queue_created)
        for type_spec in spec["task_types"]:
            if db.session.scalar(select(TaskType.id).where(TaskType.service_line_id == line.id, TaskType.name == type_spec["name"])):
                continue
            db.session.add(
                TaskType(
                    service_line_id=line.id,
                    name=type_spec["name"],
                    description=type_spec["description"],
                    default_queue_id=queue_id,
                    default_priority=type_spec["priority"],
                    expected_minutes=type_spec["minutes"],
                    checklist_template=clean_checklist(type_spec["checklist"]),
                    custom_fields=clean_definitions(type_spec["fields"]),
                )
            )
            created["task_types"] += 1
    db.session.flush()
    if any(created.values()):
        audit.record("catalog.seeded", target_type="catalog", **created)
    return created
