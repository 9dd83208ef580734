"""Marshmallow input and output schemas for a task's client approvals (agency staff view)."""

from marshmallow import Schema, fields, validate

from app.work.schemas.tasks import TaskAttachmentOut


class TaskApproverOut(Schema):
    id = fields.UUID()
    name = fields.String()


class TaskApprovalOut(Schema):
    """An approval request on a task: what is to be approved, who may approve, its state and decision."""

    id = fields.UUID()
    task_id = fields.UUID()
    title = fields.String()
    message = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "pending, approved, rejected or withdrawn."})
    created_at = fields.DateTime()
    requested_by_id = fields.UUID(allow_none=True)
    requested_by_name = fields.String(allow_none=True)
    approvers = fields.List(fields.Nested(TaskApproverOut))
    files = fields.List(fields.Nested(TaskAttachmentOut), metadata={"description": "Client-visible files of the task to review."})
    decided_by_id = fields.UUID(allow_none=True)
    decided_by_name = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_comment = fields.String(allow_none=True)
    withdrawn_by_id = fields.UUID(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)


class TaskApprovalIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"description": "What is to be approved."})
    message = fields.String(allow_none=True, validate=validate.Length(max=10_000))
    approver_ids = fields.List(
        fields.UUID(),
        required=True,
        validate=validate.Length(max=50),
        metadata={"description": "Active users of the task's client; any one of them may decide."},
    )
    attachment_ids = fields.List(
        fields.UUID(), load_default=list, validate=validate.Length(max=50), metadata={"description": "Client-visible files of the task to review."}
    )
    wait_on_client = fields.Boolean(
        load_default=True,
        metadata={
            "description": "Move the task to waiting on the client (its SLA clock paused) until the request is decided or "
            "withdrawn; 409 while the task is in review."
        },
    )
