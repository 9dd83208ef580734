"""Marshmallow input and output schemas for recurring schedules and their previews (unknown fields are refused)."""

from marshmallow import Schema, fields, validate

from app.core import dates
from app.core.api import computed
from app.core.pagination import PageArgs
from app.work.models import FREQUENCIES, PRIORITIES
from app.work.queries.schedules import STATUSES


class ScheduleOut(Schema):
    id = fields.UUID()
    client_id = fields.UUID()
    task_type_id = fields.UUID()
    title = fields.String()
    frequency = fields.String()
    interval = fields.Integer()
    day_of_month = fields.Integer(allow_none=True)
    weekday = fields.Integer(allow_none=True, metadata={"description": "0 = Monday ... 6 = Sunday."})
    month = fields.Integer(allow_none=True)
    rrule = fields.String(allow_none=True)
    due_time = fields.String()
    timezone = fields.String()
    lead_days = fields.Integer()
    default_assignee_id = fields.UUID(allow_none=True)
    priority = fields.String(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    paused = computed(fields.Boolean(), lambda s: s.paused_at is not None)
    paused_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class SchedulePageOut(Schema):
    items = fields.List(fields.Nested(ScheduleOut))
    next_cursor = fields.String(allow_none=True)


class ScheduleFilterArgs(PageArgs):
    client_id = fields.UUID(load_default=None)
    task_type_id = fields.UUID(load_default=None)
    status = fields.String(load_default="all", validate=validate.OneOf(STATUSES))
    frequency = fields.String(load_default=None, validate=validate.OneOf(FREQUENCIES))
    q = fields.String(load_default=None, validate=validate.Length(max=100))


_DESCRIPTIONS = {
    "frequency": "monthly_day (day_of_month), monthly_last_working_day, weekly (weekday, interval weeks), "
    "quarterly (day_of_month of the quarter's month 1-3), yearly (month, day_of_month), rrule (an RFC 5545 RRULE).",
    "due_time": "HH:MM on the occurrence date, in `timezone`.",
    "timezone": "An IANA zone; defaults to the client's.",
    "lead_days": "Create the task this many days before it is due.",
}


class _ScheduleFields(Schema):
    title = fields.String(validate=validate.Length(max=200))
    frequency = fields.String(validate=validate.OneOf(FREQUENCIES), metadata={"description": _DESCRIPTIONS["frequency"]})
    interval = fields.Integer(validate=validate.Range(min=1, max=52))
    day_of_month = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=31))
    weekday = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=6))
    month = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=12))
    rrule = fields.String(allow_none=True, validate=validate.Length(max=500))
    due_time = fields.String(
        validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="HH:MM"), metadata={"description": _DESCRIPTIONS["due_time"]}
    )
    timezone = fields.String(allow_none=True, validate=validate.Length(max=64), metadata={"description": _DESCRIPTIONS["timezone"]})
    lead_days = fields.Integer(validate=validate.Range(min=0, max=366), metadata={"description": _DESCRIPTIONS["lead_days"]})
    default_assignee_id = fields.UUID(allow_none=True)
    priority = fields.String(allow_none=True, validate=validate.OneOf(PRIORITIES))
    starts_on = dates.Date()
    ends_on = dates.Date(allow_none=True)


class ScheduleIn(_ScheduleFields):
    client_id = fields.UUID(required=True)
    task_type_id = fields.UUID(required=True)
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES), metadata={"description": _DESCRIPTIONS["frequency"]})
    starts_on = dates.Date(required=True)


class ScheduleUpdateIn(_ScheduleFields):
    task_type_id = fields.UUID()


class OccurrenceOut(Schema):
    occurrence_date = fields.Date()
    due_at = fields.DateTime()
    creates_at = fields.DateTime()
    created = fields.Boolean()
    task_id = computed(fields.UUID(allow_none=True), lambda o: o["task"].id if o["task"] is not None else None)


class PreviewOut(Schema):
    schedule_id = fields.UUID()
    timezone = fields.String()
    items = fields.List(fields.Nested(OccurrenceOut))
