"""Marshmallow input and output schemas for time entries and their totals (unknown fields are refused)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.core import dates
from app.core.api import computed
from app.core.pagination import PageArgs
from app.work.queries.time import GROUPS


class TimeEntryOut(Schema):
    id = fields.UUID()
    task_id = fields.UUID()
    client_id = fields.UUID()
    user_id = fields.UUID()
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True, metadata={"description": "Empty while the timer runs."})
    minutes = fields.Integer(allow_none=True)
    running = computed(fields.Boolean(), lambda entry: entry.ended_at is None)
    billable = fields.Boolean()
    note = fields.String(allow_none=True)
    billed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class TimeEntryPageOut(Schema):
    items = fields.List(fields.Nested(TimeEntryOut))
    next_cursor = fields.String(allow_none=True)


class TimeEntryFilterArgs(PageArgs):
    user = fields.UUID(load_default=None, data_key="user", attribute="user_id")
    task = fields.UUID(load_default=None, data_key="task", attribute="task_id")
    client = fields.UUID(load_default=None, data_key="client", attribute="client_id")
    date_from = dates.Date(load_default=None, data_key="from")
    date_to = dates.Date(load_default=None, data_key="to")
    billable = fields.Boolean(load_default=None)


class _Timing(Schema):
    work_date = dates.Date(metadata={"description": "The day worked (with `minutes`)."})
    minutes = fields.Integer(validate=validate.Range(min=1, max=1440))
    started_at = dates.AwareDateTime(metadata={"description": "Or a start and an end."})
    ended_at = dates.AwareDateTime()
    billable = fields.Boolean()
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _one_way(self, data, **kwargs):
        if ("started_at" in data or "ended_at" in data) and ("minutes" in data or "work_date" in data):
            raise ValidationError("Give either work_date and minutes, or started_at and ended_at.", field_name="minutes")


class TimeEntryIn(_Timing):
    task_id = fields.UUID(required=True)


class TimeEntryUpdateIn(_Timing):
    pass


class TotalsArgs(Schema):
    group = fields.String(load_default="task", validate=validate.OneOf(GROUPS))
    date_from = dates.Date(load_default=None, data_key="from")
    date_to = dates.Date(load_default=None, data_key="to")
    user = fields.UUID(load_default=None, attribute="user_id")
    client = fields.UUID(load_default=None, attribute="client_id")
    task = fields.UUID(load_default=None, attribute="task_id")
    billable = fields.Boolean(load_default=None)


class TotalOut(Schema):
    group = fields.String()
    id = fields.UUID()
    label = fields.String()
    minutes = fields.Integer()
    billable_minutes = fields.Integer()
    entries = fields.Integer()


class TotalsOut(Schema):
    group = fields.String()
    date_from = fields.Date(allow_none=True, data_key="from")
    date_to = fields.Date(allow_none=True, data_key="to")
    minutes = fields.Integer()
    billable_minutes = fields.Integer()
    items = fields.List(fields.Nested(TotalOut))
