"""Marshmallow schemas of the work lists API: list filters and pages, claim-next, bulk changes, saved filters, summaries."""

from marshmallow import Schema, fields, validate

from app.core.pagination import PageArgs
from app.work.queries.filters import TaskFilterArgs
from app.work.schemas.tasks import TaskListItemOut
from app.work.services.bulk import ACTIONS, MAX_TASKS
from app.work.services.saved_filters import VIEWS


class TaskListArgs(TaskFilterArgs, PageArgs):
    """Filters, sort and keyset page of GET /api/v1/tasks."""


class TaskListPageOut(Schema):
    items = fields.List(fields.Nested(TaskListItemOut))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass as ?cursor= for the next page; null at the end."})


class ClaimNextIn(Schema):
    queue_id = fields.UUID(load_default=None, allow_none=True, metadata={"description": "Claim only from this queue."})


class ClaimNextOut(Schema):
    task = fields.Nested(TaskListItemOut, allow_none=True, metadata={"description": "The task now assigned to you; null when none is left."})


class BulkIn(Schema):
    task_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=MAX_TASKS))
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    value = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={"description": "assign: a user id, me, or null to unassign; status: a status; priority: a priority."},
    )


class BulkResultOut(Schema):
    task_id = fields.String()
    ok = fields.Boolean()
    reference = fields.String(allow_none=True)
    error = fields.String(allow_none=True)


class BulkOut(Schema):
    succeeded = fields.Integer()
    failed = fields.Integer()
    results = fields.List(fields.Nested(BulkResultOut))


class ClientSummaryArgs(PageArgs):
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    service_line_id = fields.UUID(load_default=None)


class ClientSummaryOut(Schema):
    client_id = fields.UUID()
    name = fields.String()
    open = fields.Integer()
    waiting = fields.Integer(metadata={"description": "Open tasks waiting on the client."})
    due_today = fields.Integer()
    overdue = fields.Integer()


class ClientSummaryPageOut(Schema):
    items = fields.List(fields.Nested(ClientSummaryOut))
    next_cursor = fields.String(allow_none=True)


class WorkloadOut(Schema):
    user_id = fields.UUID()
    name = fields.String()
    role = fields.String()
    open = fields.Integer()
    by_priority = fields.Dict(keys=fields.String(), values=fields.Integer())
    minutes_week = fields.Integer(metadata={"description": "Minutes logged since Monday 00:00 in the agency's time zone."})
    minutes_7_days = fields.Integer()


class SavedFilterArgs(Schema):
    view = fields.String(load_default=None, validate=validate.OneOf(tuple(VIEWS)))


class SavedFilterIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    view = fields.String(required=True, validate=validate.OneOf(tuple(VIEWS)))
    query = fields.String(
        load_default="", validate=validate.Length(max=2000), metadata={"description": "The list's query string, e.g. priority=urgent&due=overdue."}
    )


class SavedFilterOut(Schema):
    id = fields.UUID()
    name = fields.String()
    view = fields.String()
    query = fields.String()
    created_at = fields.DateTime()
