"""Task page actions on the task's parts: checklist items, comments, attachments and watching."""

from __future__ import annotations

from flask import flash, request
from flask_login import current_user

from app.core import storage
from app.core.errors import AppError, ValidationFailed
from app.core.routes import ViewRoutes
from app.work.queries import attachments as attachment_queries
from app.work.queries import checklist as checklist_queries
from app.work.queries import comments as comment_queries
from app.work.services import attachments, checklist, comments, watchers
from app.work.views.task_blueprint import back_to, load_task, render_task

routes = ViewRoutes()


def _checked(name: str) -> bool:
    return request.form.get(name) in ("1", "y", "yes", "on", "true")


# --- checklist -------------------------------------------------------------------------------


@routes.route("/tasks/<uuid:task_id>/checklist", methods=["POST"])
def checklist_add(task_id):
    task = load_task(task_id)
    try:
        checklist.add_item(task, current_user, request.form.get("title", ""), required=_checked("required"))
    except AppError as error:
        return render_task(task, error=error, section="checklist", form_values=request.form.to_dict())
    return back_to(task, "checklist")


@routes.route("/tasks/<uuid:task_id>/checklist/<uuid:checklist_item_id>", methods=["POST"])
def checklist_change(task_id, checklist_item_id):
    """One form endpoint per item: action = tick, untick, edit, up, down or remove."""
    task = load_task(task_id)
    item = checklist_queries.item_of(task, checklist_item_id)
    action = request.form.get("action", "")
    try:
        if action in ("tick", "untick"):
            checklist.set_done(task, item, current_user, action == "tick")
        elif action == "edit":
            checklist.update_item(task, item, current_user, {"title": request.form.get("title", ""), "required": _checked("required")})
        elif action in ("up", "down"):
            checklist.move_item(task, item, current_user, action)
        elif action == "remove":
            checklist.remove_item(task, item, current_user)
            flash("Checklist item removed.", "success")
        else:
            raise ValidationFailed("Unknown checklist action.", fields={"action": ["Must be tick, untick, edit, up, down or remove."]})
    except AppError as error:
        return render_task(task, error=error, section="checklist", form_values={"item": str(item.id), **request.form.to_dict()})
    return back_to(task, "checklist")


# --- comments --------------------------------------------------------------------------------


@routes.route("/tasks/<uuid:task_id>/comments", methods=["POST"])
def comment_add(task_id):
    task = load_task(task_id)
    visible = request.form.get("visibility") == "client"
    try:
        comments.add_comment(task, current_user, request.form.get("body", ""), client_visible=visible)
    except AppError as error:
        return render_task(task, error=error, section="comments", form_values=request.form.to_dict())
    flash("Comment posted for the client to see." if visible else "Internal comment posted.", "success")
    return back_to(task, "comments")


@routes.route("/tasks/<uuid:task_id>/comments/<uuid:comment_id>", methods=["POST"])
def comment_change(task_id, comment_id):
    """action = edit or delete, on one's own comment."""
    task = load_task(task_id)
    comment = comment_queries.comment_of(task, comment_id, current_user)
    try:
        if request.form.get("action") == "delete":
            comments.delete_comment(task, comment, current_user)
            flash("Comment deleted.", "success")
        else:
            comments.edit_comment(task, comment, current_user, {"body": request.form.get("body", "")})
            flash("Comment saved.", "success")
    except AppError as error:
        return render_task(task, error=error, section="comments", form_values={"comment": str(comment.id), **request.form.to_dict()})
    return back_to(task, "comments")


# --- attachments -----------------------------------------------------------------------------


@routes.route("/tasks/<uuid:task_id>/attachments", methods=["POST"])
def attachment_add(task_id):
    task = load_task(task_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed("Choose a file to upload.", fields={"file": ["Choose a file."]})
        row = attachments.upload(
            task, current_user, upload.stream, upload.filename, upload.mimetype, client_visible=request.form.get("visibility") == "client"
        )
    except AppError as error:
        return render_task(task, error=error, section="attachments")
    flash(f"“{row.filename}” attached.", "success")
    return back_to(task, "attachments")


@routes.route("/tasks/<uuid:task_id>/attachments/<uuid:attachment_id>", methods=["GET"])
def attachment_download(task_id, attachment_id):
    task = load_task(task_id)
    row = attachment_queries.attachment_of(task, attachment_id, current_user)
    return storage.download_response(
        row.storage_key, filename=row.filename, content_type=row.content_type, size_bytes=row.size_bytes, sha256=row.sha256
    )


@routes.route("/tasks/<uuid:task_id>/attachments/<uuid:attachment_id>/delete", methods=["POST"])
def attachment_delete(task_id, attachment_id):
    task = load_task(task_id)
    row = attachment_queries.attachment_of(task, attachment_id, current_user)
    try:
        attachments.delete_attachment(task, row, current_user)
    except AppError as error:
        return render_task(task, error=error, section="attachments")
    flash(f"“{row.filename}” deleted.", "success")
    return back_to(task, "attachments")


# --- watching --------------------------------------------------------------------------------


@routes.route("/tasks/<uuid:task_id>/watch", methods=["POST"])
def watch(task_id):
    task = load_task(task_id)
    if request.form.get("action") == "unwatch":
        watchers.unwatch(task, current_user._get_current_object())
        flash(f"You no longer watch {task.reference}.", "success")
    else:
        watchers.watch(task, current_user._get_current_object())
        flash(f"You are watching {task.reference}: you will hear about its changes.", "success")
    return back_to(task)
