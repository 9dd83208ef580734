"""Portal pages for client users: home, their company's requests, asking for work, answering, sending documents, cancelling."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user

from app.catalog.fields import values_from_form
from app.core.errors import AppError, ValidationFailed
from app.core.pages import render_page
from app.core.types import utcnow
from app.portal import queries
from app.work.services import attachments, comments, documents, tasks
from app.work.services.tasks import STATUS_LABELS

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.before_request
def _client_users_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_client_user:
        abort(403)
    return None


@bp.context_processor
def _labels():
    return {"status_labels": STATUS_LABELS, "expected_completion": queries.expected_completion, "now": utcnow()}


@bp.route("")
def home():
    return render_page("portal/home.html", **queries.home(current_user))


@bp.route("/requests")
def requests_list():
    state = request.args.get("state", "open")
    state = state if state in ("open", "closed", "all") else "open"
    return render_page("portal/requests.html", items=queries.requests_of(current_user, state=state), state=state)


def _new_form(task_type, status_code=200, *, error: AppError | None = None):
    fields = (error.fields if error is not None else None) or {}
    return render_page(
        "portal/request_new.html",
        status_code,
        task_type=task_type,
        groups=queries.requestable_types(current_user),
        values=request.form,
        errors=fields,
        message=error.message if error is not None else None,
    )


@bp.route("/requests/new", methods=["GET", "POST"])
def new_request():
    raw_type = request.values.get("task_type_id")
    task_type = None
    if raw_type:
        try:
            task_type = queries.requestable_type(current_user, uuid.UUID(raw_type))
        except (ValueError, AppError):
            return _new_form(None, 422, error=AppError("Choose one of the services listed.", fields={"task_type_id": ["Unknown."]}))
    if request.method == "GET" or task_type is None or "title" not in request.form:
        return _new_form(task_type)
    definitions = task_type.custom_fields or []
    try:
        task = tasks.create_task(
            current_user,
            client_id=current_user.client_id,
            task_type_id=task_type.id,
            title=request.form.get("title", ""),
            description=request.form.get("description"),
            custom_values=values_from_form(request.form, definitions),
        )
        for upload in request.files.getlist("files"):
            if upload and upload.filename:
                attachments.upload(task, current_user, upload.stream, upload.filename, upload.mimetype)
    except AppError as error:
        return _new_form(task_type, error.status if error.status < 500 else 422, error=error)
    flash(f"Request {task.reference} sent. {current_user.agency.name} will pick it up.", "success")
    return redirect(url_for("portal.request_detail", task_id=task.id))


def _detail(task, status_code=200, *, error: AppError | None = None, error_item=None):
    view = queries.request_view(task, current_user)
    return render_page(
        "portal/request_detail.html",
        status_code,
        task=task,
        task_type=view.task_type,
        comments=view.comments,
        files=view.files,
        timeline=view.timeline,
        names=view.names,
        error=error,
        body=request.form.get("body", ""),
        approvals=view.approvals,
        document_requests=view.document_requests,
        error_item=error_item,
        accept=",".join("." + ext for ext in attachments.ALLOWED),
        allowed_files=attachments.ALLOWED_LABEL,
        max_attachment_mb=max(attachments.max_bytes() // (1024 * 1024), 1),
    )


# The request page with an action's error, for the portal's other view modules (approvals).
render_request = _detail


@bp.route("/requests/<uuid:task_id>")
def request_detail(task_id):
    return _detail(queries.request_for(current_user, task_id))


@bp.route("/requests/<uuid:task_id>/comments", methods=["POST"])
def comment(task_id):
    task = queries.request_for(current_user, task_id)
    was_waiting = task.status == "waiting_on_client"
    try:
        comments.add_comment(task, current_user, request.form.get("body", ""))
        for upload in request.files.getlist("files"):
            if upload and upload.filename:
                attachments.upload(task, current_user, upload.stream, upload.filename, upload.mimetype)
    except AppError as error:
        return _detail(task, error.status if error.status < 500 else 422, error=error)
    if was_waiting and task.status == "waiting_on_client":  # it still waits for documents or a decision of theirs
        flash("Your answer is with the team. They still need what else they asked you for.", "success")
    else:
        flash("Your answer is with the team; the work carries on." if was_waiting else "Message sent.", "success")
    return redirect(url_for("portal.request_detail", task_id=task.id) + "#conversation")


@bp.route("/requests/<uuid:task_id>/documents/<uuid:document_item_id>", methods=["POST"])
def document_upload(task_id, document_item_id):
    """Send the file for one document asked for (again, after it was sent back)."""
    task = queries.request_for(current_user, task_id)
    item = documents.item_of(task, document_item_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed("Choose a file to upload.", fields={"file": ["Choose a file."]})
        documents.upload(task, item, current_user, upload.stream, upload.filename, upload.mimetype)
    except AppError as error:
        return _detail(task, error.status if error.status < 500 else 422, error=error, error_item=item.id)
    flash(f"Thank you: “{item.name}” is with {current_user.agency.name} to check.", "success")
    return redirect(url_for("portal.request_detail", task_id=task.id) + "#documents")


@bp.route("/requests/<uuid:task_id>/cancel", methods=["POST"])
def cancel(task_id):
    task = queries.request_for(current_user, task_id)
    try:
        tasks.transition(task, current_user, "cancelled")
    except AppError as error:
        return _detail(task, error.status if error.status < 500 else 422, error=error)
    flash(f"{task.reference} is cancelled.", "success")
    return redirect(url_for("portal.request_detail", task_id=task.id))


@bp.route("/requests/<uuid:task_id>/files/<uuid:attachment_id>")
def download(task_id, attachment_id):
    task = queries.request_for(current_user, task_id)
    row = next((f for f in queries.shared_files(task) if f.id == attachment_id), None)
    if row is None:
        abort(404)
    return send_file(attachments.open_file(row), mimetype=row.content_type, as_attachment=True, download_name=row.filename)
