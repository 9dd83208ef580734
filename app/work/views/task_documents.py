"""Task page actions on document requests: ask the client for documents, add or remove items, review files, cancel."""

from __future__ import annotations

from datetime import date

from flask import flash, request
from flask_login import current_user

from app.core import dates
from app.core.errors import AppError, ValidationFailed
from app.core.routes import ViewRoutes
from app.work.services import documents
from app.work.views.task_blueprint import back_to, load_task, render_task

routes = ViewRoutes()


def _due_on(raw: str | None) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        raise ValidationFailed("Give the date the documents are due.", fields={"due_on": ["Required."]})
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("Enter the due date as a date.", fields={"due_on": ["Use YYYY-MM-DD."]}) from None
    if not dates.in_range(day):
        raise ValidationFailed(dates.MESSAGE, fields={"due_on": [dates.MESSAGE]})
    return day


@routes.route("/tasks/<uuid:task_id>/documents", methods=["POST"])
def document_request_add(task_id):
    task = load_task(task_id)
    form = request.form
    try:
        row = documents.create_request(
            task,
            current_user,
            title=form.get("title", ""),
            due_on=_due_on(form.get("due_on")),
            items=form.get("items", "").splitlines(),
            message=form.get("message"),
            wait_on_client="wait_on_client" in form,
        )
    except AppError as error:
        return render_task(task, error=error, section="documents", form_values=form.to_dict())
    waits = " The task waits on them until every document is sent." if row.holds_task else ""
    flash(f"Asked {task.reference}'s client for the documents of “{row.title}”. They have been told.{waits}", "success")
    return back_to(task, "documents")


@routes.route("/tasks/<uuid:task_id>/documents/<uuid:document_request_id>", methods=["POST"])
def document_request_change(task_id, document_request_id):
    """action = add_item (name, note) or cancel."""
    task = load_task(task_id)
    row = documents.request_of(task, document_request_id)
    action = request.form.get("action", "")
    try:
        if action == "add_item":
            item = documents.add_item(task, row, current_user, request.form.get("name", ""), request.form.get("note"))
            flash(f"Added “{item.name}” to the request.", "success")
        elif action == "cancel":
            documents.cancel_request(task, row, current_user)
            flash(f"The request “{row.title}” is cancelled.", "success")
        else:
            raise ValidationFailed("Unknown action.", fields={"action": ["Must be add_item or cancel."]})
    except AppError as error:
        return render_task(task, error=error, section="documents", form_values={"request": str(row.id), **request.form.to_dict()})
    return back_to(task, "documents")


@routes.route("/tasks/<uuid:task_id>/documents/items/<uuid:document_item_id>", methods=["POST"])
def document_item_change(task_id, document_item_id):
    """action = accept, reject (reason), remove, or upload (file, on the client's behalf)."""
    task = load_task(task_id)
    item = documents.item_of(task, document_item_id)
    action = request.form.get("action", "")
    try:
        if action == "accept":
            documents.accept(task, item, current_user)
            flash(f"“{item.name}” accepted.", "success")
        elif action == "reject":
            documents.reject(task, item, current_user, request.form.get("reason"))
            flash(f"“{item.name}” sent back to the client with your reason.", "success")
        elif action == "remove":
            documents.remove_item(task, item, current_user)
            flash(f"No longer asking for “{item.name}”.", "success")
        elif action == "upload":
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise ValidationFailed("Choose a file to upload.", fields={"file": ["Choose a file."]})
            documents.upload(task, item, current_user, upload.stream, upload.filename, upload.mimetype)
            flash(f"File added for “{item.name}”.", "success")
        else:
            raise ValidationFailed("Unknown action.", fields={"action": ["Must be accept, reject, remove or upload."]})
    except AppError as error:
        return render_task(task, error=error, section="documents", form_values={"item": str(item.id), **request.form.to_dict()})
    return back_to(task, "documents")
