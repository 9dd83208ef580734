"""Marshmallow input and output schemas for the catalog (unknown fields are refused)."""

from marshmallow import Schema, fields, validate

from app.catalog.models import FIELD_TYPES, PRIORITIES
from app.core.api import computed
from app.core.pagination import PageArgs

STATUSES = ("active", "archived", "all")


# --- service lines ---------------------------------------------------------------------------


class ServiceLineOut(Schema):
    id = fields.UUID()
    name = fields.String()
    code = fields.String()
    description = fields.String(allow_none=True)
    position = fields.Integer()
    archived = computed(fields.Boolean(), lambda line: line.archived_at is not None)
    archived_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class ServiceLinePageOut(Schema):
    items = fields.List(fields.Nested(ServiceLineOut))
    next_cursor = fields.String(allow_none=True)


class ServiceLineFilterArgs(PageArgs):
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default="active", validate=validate.OneOf(STATUSES))


class ServiceLineUpdateIn(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    code = fields.String(validate=validate.Length(min=2, max=8), metadata={"description": "2-8 letters A-Z; prefixes task numbers."})
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))
    position = fields.Integer(validate=validate.Range(min=0, max=10_000))


class ServiceLineIn(ServiceLineUpdateIn):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    code = fields.String(required=True, validate=validate.Length(min=2, max=8), metadata={"description": "2-8 letters A-Z; prefixes task numbers."})


# --- task types ------------------------------------------------------------------------------


class ChecklistItemTemplate(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    required = fields.Boolean(load_default=False)


class CustomFieldDefinition(Schema):
    """Documents the shape; app.catalog.fields.clean_definitions does the full validation."""

    key = fields.String(required=True, metadata={"description": "lowercase letters, digits and _, starting with a letter"})
    label = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean()
    choices = fields.List(fields.String())
    help = fields.String(allow_none=True)


class TaskTypeOut(Schema):
    id = fields.UUID()
    service_line_id = fields.UUID()
    name = fields.String()
    description = fields.String(allow_none=True)
    default_queue_id = fields.UUID(allow_none=True)
    default_priority = fields.String()
    expected_minutes = fields.Integer(allow_none=True)
    checklist_template = fields.List(fields.Nested(ChecklistItemTemplate))
    custom_fields = fields.List(fields.Nested(CustomFieldDefinition))
    archived = computed(fields.Boolean(), lambda task_type: task_type.archived_at is not None)
    archived_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class TaskTypePageOut(Schema):
    items = fields.List(fields.Nested(TaskTypeOut))
    next_cursor = fields.String(allow_none=True)


class TaskTypeFilterArgs(PageArgs):
    service_line_id = fields.UUID(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default="active", validate=validate.OneOf(STATUSES))
    include_archived = fields.Boolean(load_default=False, metadata={"description": "Same as status=all."})


class TaskTypeUpdateIn(Schema):
    service_line_id = fields.UUID()
    name = fields.String(validate=validate.Length(min=1, max=120))
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    default_queue_id = fields.UUID(allow_none=True)
    default_priority = fields.String(validate=validate.OneOf(PRIORITIES))
    expected_minutes = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=100_000))
    # Lists of objects: the services validate each and name the item and field at fault.
    checklist_template = fields.List(fields.Dict(), validate=validate.Length(max=100), metadata={"description": "[{title, required}]"})
    custom_fields = fields.List(
        fields.Dict(), validate=validate.Length(max=50), metadata={"description": "[{key, label, type, required, choices, help}]"}
    )


class TaskTypeIn(TaskTypeUpdateIn):
    service_line_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))


# --- client services -------------------------------------------------------------------------


class ClientServicesIn(Schema):
    service_line_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(max=100))
