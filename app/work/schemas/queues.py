"""Marshmallow input and output schemas for queues and their members."""

from marshmallow import Schema, fields, validate

from app.core.api import computed
from app.core.pagination import PageArgs


class QueueArgs(PageArgs):
    status = fields.String(load_default="active", validate=validate.OneOf(["active", "archived", "all"]))


class QueueOut(Schema):
    id = fields.UUID()
    name = fields.String()
    description = fields.String(allow_none=True)
    service_line_id = fields.UUID(allow_none=True)
    archived = computed(fields.Boolean(), lambda queue: queue.archived_at is not None)
    archived_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()

    def _archived(self, queue) -> bool:
        return queue.archived_at is not None


class QueuePageOut(Schema):
    items = fields.List(fields.Nested(QueueOut))
    next_cursor = fields.String(allow_none=True)


class QueueIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    service_line_id = fields.UUID(load_default=None, allow_none=True)


class QueueUpdateIn(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    service_line_id = fields.UUID(allow_none=True)


class QueueMembersIn(Schema):
    staff_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(max=500))


class QueueMemberOut(Schema):
    id = fields.UUID()
    name = fields.String()
    email = fields.String()
    role = fields.String()
