"""Marshmallow input and output schemas for a task's document requests (the agency's view)."""

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from app.core import dates
from app.core.api import computed


class DocumentItemOut(Schema):
    id = fields.UUID()
    request_id = fields.UUID()
    position = fields.Integer()
    name = fields.String()
    note = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "missing, uploaded (waiting for review), accepted or rejected."})
    attachment_id = fields.UUID(allow_none=True, metadata={"description": "The file sent for it: one of the task's attachments."})
    uploaded_by_id = fields.UUID(allow_none=True)
    uploaded_at = fields.DateTime(allow_none=True)
    reviewed_by_id = fields.UUID(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    reject_reason = fields.String(allow_none=True)


class DocumentRequestOut(Schema):
    id = fields.UUID()
    task_id = fields.UUID()
    title = fields.String()
    message = fields.String(allow_none=True)
    due_on = fields.Date()
    status = fields.String(metadata={"description": "open, closed (every document accepted) or cancelled."})
    requested_by_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    last_reminded_at = fields.DateTime(allow_none=True, metadata={"description": "When the client was last told about it."})
    overdue = fields.Boolean(metadata={"description": "Open, past its due date, and the client still owes a document."})
    missing = computed(fields.Integer(metadata={"description": "Documents the client still has to send."}), lambda view: len(view.owed))
    items = fields.List(fields.Nested(DocumentItemOut))


class DocumentItemIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2_000))


class DocumentRequestIn(Schema):
    title = fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"description": "What the documents are for, e.g. October bookkeeping."}
    )
    due_on = dates.Date(required=True, metadata={"description": "Today or later, in the client's time zone."})
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2_000))
    items = fields.List(fields.Nested(DocumentItemIn), required=True, validate=validate.Length(min=1, max=50))
    wait_on_client = fields.Boolean(
        load_default=True,
        metadata={
            "description": "Move the task to waiting on the client (its SLA clock paused) until every document is sent; "
            "409 while the task is in review."
        },
    )


class DocumentRejectIn(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2_000),
        metadata={"description": "Why, so the client can send the right file (they are told)."},
    )


class DocumentUploadFiles(Schema):
    file = Upload(required=True, metadata={"description": "The file."})
