"""Task pages: the task itself, creating one, editing its fields and custom values, moving its status, assigning it."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import flash, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.catalog.fields import values_from_form
from app.catalog.models import ClientService, ServiceLine, TaskType
from app.clients import queries as client_queries
from app.core import dates, localtime
from app.core.errors import AppError, ValidationFailed
from app.core.pages import render_page
from app.core.routes import ViewRoutes
from app.extensions import db
from app.work.models import PRIORITIES
from app.work.queries import people as people_queries
from app.work.services import tasks
from app.work.views.task_blueprint import back_to, load_task, render_task
from tenants.lookup import get_in_tenant

routes = ViewRoutes()


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def parse_deadline(raw: str | None) -> datetime | None:
    """A datetime-local value, read on the viewer's wall clock (the page says which zone)."""
    try:
        value = localtime.parse_local(raw)
    except (ValueError, OverflowError):  # an instant past year 9999 once moved to UTC overflows
        value = None
        if not _beyond_range(raw):
            raise ValidationFailed("Enter the deadline as a date and time.", fields={"due_at": ["Use YYYY-MM-DD HH:MM."]}) from None
    if value is None and _beyond_range(raw) or not dates.in_range(value):
        raise ValidationFailed(dates.MESSAGE, fields={"due_at": [dates.MESSAGE]})
    return value


def _beyond_range(raw: str | None) -> bool:
    try:
        return not dates.in_range(datetime.fromisoformat((raw or "").strip()))
    except ValueError:
        return False


@routes.route("/tasks/<uuid:task_id>")
def detail(task_id):
    return render_task(load_task(task_id))


# --- new task --------------------------------------------------------------------------------


def _new_task_choices(client_id, task_type_id) -> dict:
    clients = client_queries.list_clients(current_user, status="active", limit=200).items
    client = next((c for c in clients if c.id == client_id), None)
    task_types, task_type, assignees = [], None, []
    if client is not None:
        lines = select(ClientService.service_line_id).where(ClientService.client_id == client.id)
        rows = db.session.execute(
            select(TaskType, ServiceLine)
            .join(ServiceLine, ServiceLine.id == TaskType.service_line_id)
            .where(TaskType.service_line_id.in_(lines), TaskType.archived_at.is_(None), ServiceLine.archived_at.is_(None))
            .order_by(ServiceLine.position, ServiceLine.name, TaskType.name)
        ).all()
        task_types = [(row.TaskType, row.ServiceLine) for row in rows]
        task_type = next((t for t, _ in task_types if t.id == task_type_id), None)
        if task_type is not None and task_type.default_queue_id:
            probe = type("TaskLike", (), {"queue_id": task_type.default_queue_id, "client_id": client.id})
            assignees = people_queries.eligible_assignees(probe)
    return {"clients": clients, "client": client, "task_types": task_types, "task_type": task_type, "assignees": assignees, "priorities": PRIORITIES}


@routes.route("/tasks/new", methods=["GET", "POST"])
def new():
    source = request.form if request.method == "POST" else request.args
    choices = _new_task_choices(_uuid(source.get("client_id")), _uuid(source.get("task_type_id")))
    if request.method == "GET":
        return render_page("work/task_new.html", **choices, values={}, errors={}, error=None)
    values = request.form.to_dict()
    definitions = (choices["task_type"].custom_fields if choices["task_type"] else []) or []
    try:
        if choices["client"] is None:
            raise ValidationFailed("Choose a client you serve.", fields={"client_id": ["Choose a client."]})
        if choices["task_type"] is None:
            raise ValidationFailed("Choose one of the client's services.", fields={"task_type_id": ["Choose a task type."]})
        task = tasks.create_task(
            current_user,
            client_id=choices["client"].id,
            task_type_id=choices["task_type"].id,
            title=values.get("title", ""),
            description=values.get("description"),
            priority=values.get("priority") or None,
            assignee_id=_uuid(values.get("assignee_id")),
            due_at=parse_deadline(values.get("due_at")),
            custom_values=values_from_form(request.form, definitions),
        )
    except AppError as error:
        return render_page("work/task_new.html", error.status, **choices, values=values, errors=error.fields, error=error.message)
    flash(f"{task.reference} created.", "success")
    return back_to(task)


# --- changes ---------------------------------------------------------------------------------


@routes.route("/tasks/<uuid:task_id>/edit", methods=["POST"])
def edit(task_id):
    task = load_task(task_id)
    form = request.form
    values = {key: form[key] for key in ("title", "description", "priority") if key in form}
    try:
        if "due_at" in form:
            values["due_at"] = parse_deadline(form["due_at"])
        if form.get("queue_id"):
            values["queue_id"] = _uuid(form["queue_id"])
        tasks.update_fields(task, current_user, values)
    except AppError as error:
        return render_task(task, error=error, section="details", form_values=form.to_dict())
    flash("Task saved.", "success")
    return back_to(task)


@routes.route("/tasks/<uuid:task_id>/custom-values", methods=["POST"])
def custom_values(task_id):
    task = load_task(task_id)
    task_type = get_in_tenant(TaskType, task.task_type_id)
    definitions = (task_type.custom_fields if task_type else []) or []
    try:
        tasks.update_fields(task, current_user, {"custom_values": values_from_form(request.form, definitions)})
    except AppError as error:
        return render_task(task, error=error, section="custom", form_values=request.form.to_dict())
    flash("Details saved.", "success")
    return back_to(task, "custom")


@routes.route("/tasks/<uuid:task_id>/transition", methods=["POST"])
def transition(task_id):
    task = load_task(task_id)
    to = request.form.get("status", "")
    try:
        tasks.transition(task, current_user, to, message=request.form.get("message"))
    except AppError as error:
        return render_task(task, error=error, section="status", form_values=request.form.to_dict())
    flash(f"{task.reference} is now {tasks.STATUS_LABELS[to].lower()}.", "success")
    return back_to(task)


@routes.route("/tasks/<uuid:task_id>/assign", methods=["POST"])
def assign(task_id):
    task = load_task(task_id)
    choice = request.form.get("assignee_id", "")
    assignee_id = current_user.id if choice == "me" else _uuid(choice)
    if choice not in ("", "me") and assignee_id is None:
        return render_task(task, error=ValidationFailed("Choose a staff member.", fields={"assignee_id": ["Unknown."]}), section="assign")
    try:
        tasks.assign(task, current_user, assignee_id)
    except AppError as error:
        return render_task(task, error=error, section="assign")
    flash("Assigned to you." if assignee_id == current_user.id else ("Assignment saved." if assignee_id else "Unassigned."), "success")
    return back_to(task)


def task_url(task) -> str:
    return url_for("tasks.detail", task_id=task.id)
