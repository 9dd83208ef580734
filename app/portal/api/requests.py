"""The portal under /api/v1/portal for client users' tokens: their company's requests, messages, files and documents asked for."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from flask_login import current_user
from sqlalchemy import select

from app.accounts.auth import require_roles
from app.core.api import Blueprint
from app.core.pagination import id_page
from app.portal import queries
from app.portal.schemas import (
    PortalCommentIn,
    PortalCommentOut,
    PortalDocumentItemOut,
    PortalDocumentRequestOut,
    PortalDocumentUploadFiles,
    PortalRequestArgs,
    PortalRequestDetailOut,
    PortalRequestIn,
    PortalRequestOut,
    PortalRequestPageOut,
)
from app.work.models import Task
from app.work.services import comments, documents, tasks

blp = Blueprint("portal_api", __name__, url_prefix="/api/v1/portal", description="The client portal: your company's requests")
client_user_required = require_roles("client_admin", "client_member")


def _view(task: Task):
    """The request as the portal page shows it, with the documents asked for in the API's shape."""
    view = queries.request_view(task, current_user)
    return replace(view, document_requests=[_documents(request) for request in view.document_requests])


def _document_item(view, item) -> SimpleNamespace:
    return SimpleNamespace(
        id=item.id,
        name=item.name,
        note=item.note,
        status=item.status,
        reject_reason=item.reject_reason if item.status == "rejected" else None,
        uploaded_at=item.uploaded_at,
        can_upload=view.request.is_open and item.status != "accepted",
        file=view.file_of(item),
    )


def _documents(view) -> SimpleNamespace:
    return SimpleNamespace(
        id=view.id,
        title=view.title,
        message=view.message,
        due_on=view.due_on,
        status=view.status,
        overdue=view.overdue,
        missing=len(view.owed),
        items=[_document_item(view, item) for item in view.items],
    )


@blp.route("/requests", methods=["GET"])
@client_user_required
@blp.arguments(PortalRequestArgs, location="query")
@blp.response(200, PortalRequestPageOut)
def list_requests(args):
    """Your company's requests (open, closed or all), oldest first by id."""
    stmt = select(Task).where(Task.client_id == current_user.client_id)
    if args["state"] == "open":
        stmt = stmt.where(Task.closed_at.is_(None))
    elif args["state"] == "closed":
        stmt = stmt.where(Task.closed_at.is_not(None))
    page = id_page(stmt, Task, limit=args["limit"], cursor=args["cursor"])
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/requests", methods=["POST"])
@client_user_required
@blp.arguments(PortalRequestIn)
@blp.response(201, PortalRequestDetailOut)
def create_request(data):
    """Ask for work of one of your company's services (Idempotency-Key honoured)."""
    task_type = queries.requestable_type(current_user, data["task_type_id"])
    task = tasks.create_task(
        current_user,
        client_id=current_user.client_id,
        task_type_id=task_type.id,
        title=data["title"],
        description=data.get("description"),
        custom_values=data["custom_values"],
    )
    return _view(task)


@blp.route("/requests/<uuid:task_id>", methods=["GET"])
@client_user_required
@blp.response(200, PortalRequestDetailOut)
def get_request(task_id):
    """One request with its conversation and shared files."""
    return _view(queries.request_for(current_user, task_id))


@blp.route("/requests/<uuid:task_id>/comments", methods=["POST"])
@client_user_required
@blp.arguments(PortalCommentIn)
@blp.response(201, PortalCommentOut)
def add_comment(data, task_id):
    """Write to the agency; an answer to their question moves the work back to in progress."""
    task = queries.request_for(current_user, task_id)
    comment = comments.add_comment(task, current_user, data["body"])
    return SimpleNamespace(id=comment.id, author_name=current_user.name, mine=True, body=comment.body, created_at=comment.created_at)


@blp.route("/requests/<uuid:task_id>/cancel", methods=["POST"])
@client_user_required
@blp.response(200, PortalRequestOut)
def cancel_request(task_id):
    """Withdraw a request nobody has started (403 once work has begun)."""
    task = queries.request_for(current_user, task_id)
    return tasks.transition(task, current_user, "cancelled")


@blp.route("/requests/<uuid:task_id>/documents", methods=["GET"])
@client_user_required
@blp.response(200, PortalDocumentRequestOut(many=True))
def list_documents(task_id):
    """The documents asked for on one of your requests, with what is still to send."""
    return [_documents(view) for view in queries.document_requests(queries.request_for(current_user, task_id))]


@blp.route("/requests/<uuid:task_id>/documents/<uuid:document_item_id>", methods=["POST"])
@client_user_required
@blp.arguments(PortalDocumentUploadFiles, location="multipart")
@blp.response(201, PortalDocumentItemOut)
def upload_document(files, task_id, document_item_id):
    """Send the file for one document asked for (multipart/form-data, field `file`); again after it was sent back."""
    task = queries.request_for(current_user, task_id)
    item = documents.item_of(task, document_item_id)
    upload = files["file"]
    documents.upload(task, item, current_user, upload.stream, upload.filename, upload.mimetype)
    view = next(v for v in queries.document_requests(task) if v.id == item.request_id)
    return _document_item(view, item)
