"""Portal output and input schemas: each lists its fields explicitly, so nothing internal reaches a client user."""

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from app.core.api import computed
from app.core.pagination import PageArgs


class PortalCommentOut(Schema):
    """A client-visible message on a request."""

    id = fields.UUID()
    author_name = fields.String(allow_none=True, metadata={"description": "Who wrote it (a name only)."})
    mine = fields.Boolean(metadata={"description": "Whether the signed-in user wrote it."})
    body = fields.String()
    created_at = fields.DateTime()


class PortalFileOut(Schema):
    id = fields.UUID()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    created_at = fields.DateTime()


class PortalRequestOut(Schema):
    """A request as the client's people see it: no assignee ids, time, internal notes or staff-only fields."""

    id = fields.UUID()
    reference = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    task_type_id = fields.UUID()
    status = fields.String()
    waiting_on_you = computed(fields.Boolean(), lambda task: task.status == "waiting_on_client")
    custom_values = fields.Dict()
    created_at = fields.DateTime()
    expected_completion_at = computed(
        fields.DateTime(allow_none=True, metadata={"description": "The promised time: the SLA resolution time, else the deadline."}),
        lambda task: task.resolution_due_at or task.due_at,
    )
    completed_at = computed(fields.DateTime(allow_none=True), lambda task: task.resolved_at or (task.closed_at if task.status == "done" else None))
    can_cancel = computed(fields.Boolean(), lambda task: task.status == "new")


class PortalRequestPageOut(Schema):
    items = fields.List(fields.Nested(PortalRequestOut))
    next_cursor = fields.String(allow_none=True)


class PortalDocumentItemOut(Schema):
    """One document asked of the company: no reviewer or uploader ids."""

    id = fields.UUID()
    name = fields.String()
    note = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "missing, uploaded (being checked), accepted or rejected (send a new file)."})
    reject_reason = fields.String(allow_none=True, metadata={"description": "Why the last file was sent back."})
    uploaded_at = fields.DateTime(allow_none=True)
    can_upload = fields.Boolean(metadata={"description": "Whether a file may be sent for it now."})
    file = fields.Nested(PortalFileOut, allow_none=True, metadata={"description": "The file sent for it, if any."})


class PortalDocumentRequestOut(Schema):
    """Documents the agency asked for on a request, by a date."""

    id = fields.UUID()
    title = fields.String()
    message = fields.String(allow_none=True)
    due_on = fields.Date()
    status = fields.String(metadata={"description": "open, closed (all received) or cancelled (no longer needed)."})
    overdue = fields.Boolean()
    missing = fields.Integer(metadata={"description": "Documents still to send."})
    items = fields.List(fields.Nested(PortalDocumentItemOut))


class PortalRequestDetailOut(PortalRequestOut):
    """A request with its conversation, shared files and documents asked for (read from `app.portal.queries.RequestView`)."""

    comments = fields.List(fields.Nested(PortalCommentOut))
    files = fields.List(fields.Nested(PortalFileOut))
    approvals = fields.List(fields.Nested(lambda: PortalApprovalOut()), metadata={"description": "Approvals asked on it, newest first."})
    document_requests = fields.List(fields.Nested(PortalDocumentRequestOut))


class PortalRequestArgs(PageArgs):
    state = fields.String(load_default="open", validate=validate.OneOf(("open", "closed", "all")))


class PortalRequestIn(Schema):
    task_type_id = fields.UUID(required=True, metadata={"description": "One of the task types of your company's services."})
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(allow_none=True, validate=validate.Length(max=20_000))
    custom_values = fields.Dict(keys=fields.String(), load_default=dict)


class PortalCommentIn(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


# --- approvals -------------------------------------------------------------------------------


class PortalApproverOut(Schema):
    name = fields.String()
    mine = fields.Boolean(metadata={"description": "Whether this approver is the signed-in user."})


class PortalApprovalOut(Schema):
    """Something the agency asks the client to approve on a request, and its decision."""

    id = fields.UUID()
    request_id = fields.UUID(attribute="task_id")
    title = fields.String()
    message = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "pending, approved, rejected or withdrawn."})
    created_at = fields.DateTime()
    requested_by_name = fields.String(allow_none=True)
    approvers = computed(
        fields.List(fields.Nested(PortalApproverOut), metadata={"description": "The people named to decide; any one of them may."}),
        lambda view: [{"name": p.name, "mine": p.id == view.viewer_id} for p in view.approvers],
    )
    files = fields.List(fields.Nested(PortalFileOut), metadata={"description": "The request's files to review."})
    can_decide = fields.Boolean(metadata={"description": "Whether the signed-in user may approve or reject it now."})
    decided_by_name = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_comment = fields.String(allow_none=True)


class PortalPendingApprovalOut(PortalApprovalOut):
    """A pending approval waiting on the signed-in user, with the request it belongs to."""

    request_reference = fields.String()
    request_title = fields.String()


class PortalPendingApprovalPageOut(Schema):
    items = fields.List(fields.Nested(PortalPendingApprovalOut))
    next_cursor = fields.String(allow_none=True)


class PortalApprovalDecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    comment = fields.String(
        allow_none=True, validate=validate.Length(max=10_000), metadata={"description": "Required when rejecting: say what to put right."}
    )


class PortalDocumentUploadFiles(Schema):
    file = Upload(required=True, metadata={"description": "The file for the document."})
