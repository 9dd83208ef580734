"""Marshmallow input and output schemas for clients (unknown fields are refused)."""

from marshmallow import Schema, fields, validate

from app.core.pagination import PageArgs


class ClientOut(Schema):
    id = fields.UUID()
    name = fields.String()
    legal_name = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    timezone = fields.String()
    archived = fields.Boolean(attribute="is_archived")
    archived_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class ClientPageOut(Schema):
    items = fields.List(fields.Nested(ClientOut))
    next_cursor = fields.String(allow_none=True)


class ClientFilterArgs(PageArgs):
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default="active", validate=validate.OneOf(["active", "archived", "all"]))


class ClientIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    legal_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    contact_email = fields.String(allow_none=True, validate=validate.Length(max=254))
    timezone = fields.String(load_default="UTC", validate=validate.Length(max=64))


class ClientUpdateIn(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    legal_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    contact_email = fields.String(allow_none=True, validate=validate.Length(max=254))
    timezone = fields.String(validate=validate.Length(min=1, max=64))


class StaffRefOut(Schema):
    id = fields.UUID()
    name = fields.String()
    email = fields.String()
    role = fields.String()


class ClientStaffIn(Schema):
    staff_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(max=500))
