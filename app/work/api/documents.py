"""JSON endpoints for a task's document requests: ask the client for documents, add or remove items, review files, cancel."""

from __future__ import annotations

from flask_login import current_user

from app.accounts.auth import agency_user_required
from app.core.api import Blueprint
from app.work.access import task_for
from app.work.queries import documents as queries
from app.work.schemas.documents import (
    DocumentItemIn,
    DocumentItemOut,
    DocumentRejectIn,
    DocumentRequestIn,
    DocumentRequestOut,
    DocumentUploadFiles,
)
from app.work.services import documents

blp = Blueprint(
    "documents_api",
    __name__,
    url_prefix="/api/v1/tasks",
    description="Documents asked of a task's client: requests, their items, and reviewing the files sent",
)


def _task(task_id):
    return task_for(current_user, task_id)


@blp.route("/<uuid:task_id>/document-requests", methods=["GET"])
@agency_user_required
@blp.response(200, DocumentRequestOut(many=True))
def list_requests(task_id):
    """The task's document requests (open first, newest first), with their items."""
    return queries.requests_of_task(_task(task_id))


@blp.route("/<uuid:task_id>/document-requests", methods=["POST"])
@agency_user_required
@blp.arguments(DocumentRequestIn)
@blp.response(201, DocumentRequestOut)
def create_request(data, task_id):
    """Ask the client for named documents by a date (they are told, and reminded until every one is accepted)."""
    task = _task(task_id)
    row = documents.create_request(
        task,
        current_user,
        title=data["title"],
        due_on=data["due_on"],
        items=data["items"],
        message=data.get("message"),
        wait_on_client=data["wait_on_client"],
    )
    return queries.view_of(row)


@blp.route("/<uuid:task_id>/document-requests/<uuid:document_request_id>/items", methods=["POST"])
@agency_user_required
@blp.arguments(DocumentItemIn)
@blp.response(201, DocumentItemOut)
def add_item(data, task_id, document_request_id):
    """Ask for one more document in an open request."""
    task = _task(task_id)
    return documents.add_item(task, documents.request_of(task, document_request_id), current_user, data["name"], data.get("note"))


@blp.route("/<uuid:task_id>/document-requests/<uuid:document_request_id>/cancel", methods=["POST"])
@agency_user_required
@blp.response(200, DocumentRequestOut)
def cancel_request(task_id, document_request_id):
    """Stop asking (and reminding) the client; files already sent stay on the task."""
    task = _task(task_id)
    return queries.view_of(documents.cancel_request(task, documents.request_of(task, document_request_id), current_user))


@blp.route("/<uuid:task_id>/document-items/<uuid:document_item_id>/accept", methods=["POST"])
@agency_user_required
@blp.response(200, DocumentItemOut)
def accept_item(task_id, document_item_id):
    """Accept the file sent for a document; the request closes once every document is accepted."""
    task = _task(task_id)
    return documents.accept(task, documents.item_of(task, document_item_id), current_user)


@blp.route("/<uuid:task_id>/document-items/<uuid:document_item_id>/reject", methods=["POST"])
@agency_user_required
@blp.arguments(DocumentRejectIn)
@blp.response(200, DocumentItemOut)
def reject_item(data, task_id, document_item_id):
    """Send a file back with a reason; the client is told which document and why."""
    task = _task(task_id)
    return documents.reject(task, documents.item_of(task, document_item_id), current_user, data["reason"])


@blp.route("/<uuid:task_id>/document-items/<uuid:document_item_id>/file", methods=["POST"])
@agency_user_required
@blp.arguments(DocumentUploadFiles, location="multipart")
@blp.response(201, DocumentItemOut)
def upload_item(files, task_id, document_item_id):
    """Upload the file for a document on the client's behalf (multipart/form-data, field `file`)."""
    task = _task(task_id)
    item = documents.item_of(task, document_item_id)
    upload = files["file"]
    return documents.upload(task, item, current_user, upload.stream, upload.filename, upload.mimetype)


@blp.route("/<uuid:task_id>/document-items/<uuid:document_item_id>", methods=["DELETE"])
@agency_user_required
@blp.response(204)
def remove_item(task_id, document_item_id):
    """Stop asking for one document of an open request (a request keeps at least one)."""
    task = _task(task_id)
    documents.remove_item(task, documents.item_of(task, document_item_id), current_user)
