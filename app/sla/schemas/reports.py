"""Marshmallow schemas of the SLA report API: the query (range and scope) and the report it answers with."""

from marshmallow import Schema, fields, validate

from app.core import dates
from app.sla.queries.reports import MAX_DAYS


class SlaReportArgs(Schema):
    start = dates.Date(
        data_key="from",
        load_default=None,
        metadata={"description": "First day of the range in the agency's time zone (YYYY-MM-DD); default: Monday four weeks ago."},
    )
    end = dates.Date(
        data_key="to",
        load_default=None,
        metadata={"description": f"Last day, inclusive; default: this coming Sunday. At most {MAX_DAYS} days in all."},
    )
    client_id = fields.UUID(load_default=None)
    queue_id = fields.UUID(load_default=None)
    service_line_id = fields.UUID(load_default=None, metadata={"description": "Tasks whose task type belongs to this service line."})
    assignee_id = fields.UUID(load_default=None, metadata={"description": "Tasks assigned to this agency user."})
    breach_limit = fields.Integer(
        load_default=100,
        validate=validate.Range(min=0, max=1000),
        metadata={"description": "At most this many breaches are listed (newest first); breach_count has them all."},
    )


class ScopeOut(Schema):
    client_id = fields.UUID(allow_none=True)
    queue_id = fields.UUID(allow_none=True)
    service_line_id = fields.UUID(allow_none=True)
    assignee_id = fields.UUID(allow_none=True)


class MetricOut(Schema):
    due = fields.Integer(metadata={"description": "Tasks whose clock was due in the range."})
    met = fields.Integer(metadata={"description": "Stopped (responded / resolved) with no breach recorded."})
    breached = fields.Integer(metadata={"description": "A breach recorded."})
    pending = fields.Integer(metadata={"description": "Neither yet."})
    compliance = fields.Float(allow_none=True, metadata={"description": "met / (met + breached) in percent, one decimal; null when none is decided."})


class DurationOut(Schema):
    count = fields.Integer(metadata={"description": "Clocks stopped in the range."})
    median_hours = fields.Float(allow_none=True, metadata={"description": "Business hours."})
    p90_hours = fields.Float(allow_none=True, metadata={"description": "Business hours, 90th percentile (linear interpolation)."})


class WaitingOut(Schema):
    tasks = fields.Integer(metadata={"description": "Tasks whose resolution was due in the range."})
    total_minutes = fields.Integer(metadata={"description": "Business minutes they spent waiting on the client."})
    average_minutes = fields.Float(allow_none=True)


class WeekOut(Schema):
    week = fields.String(attribute="label", metadata={"description": "ISO week, e.g. 2026-W10."})
    start = fields.Date(metadata={"description": "The Monday."})
    end = fields.Date(metadata={"description": "The Sunday."})
    due = fields.Integer(attribute="resolution.due")
    met = fields.Integer(attribute="resolution.met")
    breached = fields.Integer(attribute="resolution.breached")
    pending = fields.Integer(attribute="resolution.pending")
    compliance = fields.Float(attribute="resolution.compliance", allow_none=True)


class BreachOut(Schema):
    task_id = fields.UUID()
    reference = fields.String()
    title = fields.String()
    client_id = fields.UUID()
    client_name = fields.String(allow_none=True)
    queue_id = fields.UUID()
    queue_name = fields.String(allow_none=True)
    assignee_id = fields.UUID(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    metric = fields.String(metadata={"description": "first_response or resolution"})
    due_at = fields.DateTime(allow_none=True)
    occurred_at = fields.DateTime(metadata={"description": "When the clock passed its due instant."})


class SlaReportOut(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    scope = fields.Nested(ScopeOut)
    generated_at = fields.DateTime()
    resolution = fields.Nested(MetricOut, attribute="figures.resolution")
    first_response = fields.Nested(MetricOut, attribute="figures.first_response")
    resolution_time = fields.Nested(DurationOut, attribute="figures.resolution_time")
    response_time = fields.Nested(DurationOut, attribute="figures.response_time", metadata={"description": "First response time."})
    waiting = fields.Nested(WaitingOut, attribute="figures.waiting")
    weeks = fields.List(fields.Nested(WeekOut))
    breaches = fields.List(fields.Nested(BreachOut))
    breach_count = fields.Integer()
