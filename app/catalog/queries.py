"""Catalog reads: service lines, task types, queues to choose from, and each client's services."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from app.catalog.models import ClientService, ServiceLine, TaskType
from app.catalog.queues import QueueChoice, directory
from app.core.pagination import keyset_page
from app.extensions import db
from tenants.lookup import get_or_404
from tenants.models import Client

STATUSES = ("active", "archived", "all")


def _status(stmt, model, status: str | None):
    if status == "archived":
        return stmt.where(model.archived_at.is_not(None))
    if status == "all":
        return stmt
    return stmt.where(model.archived_at.is_(None))


def service_line_for(service_line_id) -> ServiceLine:
    return get_or_404(ServiceLine, service_line_id)


def task_type_for(task_type_id) -> TaskType:
    return get_or_404(TaskType, task_type_id)


def list_service_lines(*, status: str | None = "active", q: str | None = None, limit=None, cursor=None):
    """Service lines in their display order (position, then id), a keyset page."""
    stmt = _status(select(ServiceLine), ServiceLine, status)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(ServiceLine.name).like(like), func.lower(ServiceLine.code).like(like)))
    return keyset_page(stmt, ServiceLine.position, ServiceLine.id, limit=limit, cursor=cursor)


def list_task_types(*, service_line_id=None, status: str | None = "active", q: str | None = None, limit=None, cursor=None):
    """Task types by name, optionally of one service line, a keyset page."""
    stmt = _status(select(TaskType), TaskType, status)
    if service_line_id is not None:
        stmt = stmt.where(TaskType.service_line_id == service_line_id)
    if q:
        stmt = stmt.where(func.lower(TaskType.name).like(f"%{q.strip().lower()}%"))
    return keyset_page(stmt, TaskType.name, TaskType.id, limit=limit, cursor=cursor)


def all_service_lines(*, include_archived: bool = False) -> list[ServiceLine]:
    stmt = select(ServiceLine).order_by(ServiceLine.position, ServiceLine.name)
    if not include_archived:
        stmt = stmt.where(ServiceLine.archived_at.is_(None))
    return list(db.session.scalars(stmt))


def task_types_by_line(line_ids, *, status: str | None = "active", q: str | None = None, sort: str = "name") -> dict:
    """{service_line_id: [task types]} for the catalog page."""
    stmt = _status(select(TaskType).where(TaskType.service_line_id.in_(list(line_ids))), TaskType, status)
    if q:
        stmt = stmt.where(func.lower(TaskType.name).like(f"%{q.strip().lower()}%"))
    order = {
        "name": (TaskType.name,),
        "effort": (TaskType.expected_minutes.desc(), TaskType.name),
        "newest": (TaskType.created_at.desc(), TaskType.name),
    }.get(sort, (TaskType.name,))
    grouped = {line_id: [] for line_id in line_ids}
    for task_type in db.session.scalars(stmt.order_by(*order)):
        grouped.setdefault(task_type.service_line_id, []).append(task_type)
    return grouped


def active_queues() -> list[QueueChoice]:
    return directory().active_queues()


def queue_names() -> dict:
    return directory().queue_names()


def services_of(client: Client) -> list[ServiceLine]:
    return list(
        db.session.scalars(
            select(ServiceLine)
            .join(ClientService, ClientService.service_line_id == ServiceLine.id)
            .where(ClientService.client_id == client.id)
            .order_by(ServiceLine.position, ServiceLine.name)
        )
    )


def client_counts() -> dict:
    """{service_line_id: number of clients with it}."""
    return dict(db.session.execute(select(ClientService.service_line_id, func.count()).group_by(ClientService.service_line_id)).all())
