"""Marshmallow input and output schemas for SLA settings (unknown fields are refused), and shared calendar checks."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate

from app.core import dates
from app.core.api import computed
from app.core.pagination import PageArgs
from app.sla.services import MAX_TARGET_MINUTES

STATUSES = ("active", "archived", "all")
TIME = r"^\d{2}:\d{2}$"
HOURS_DOC = {
    "oneOf": [
        {"type": "string", "enum": ["24x7"]},
        {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "maxItems": 12,
                "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string", "pattern": TIME}},
            },
        },
    ],
    "description": 'Opening hours: "24x7", or a weekday map such as {"mon": [["09:00", "12:30"], ["13:30", "17:30"]]} '
    '(mon..sun; "24:00" closes at midnight; missing days are closed).',
}


# --- shared checks (the pages use them too) ----------------------------------------------------


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_error(value: str | None) -> str | None:
    """Why `value` is not an IANA zone name we can use, or None."""
    if not value or value not in known_timezones():
        return f"Unknown time zone “{value or ''}”: use an IANA name such as Europe/London or America/New_York."
    return None


@lru_cache(maxsize=1)
def _supported_countries() -> dict:
    import holidays  # loading the country tables takes a moment: only when a calendar names a country

    return {code.upper(): {sub.upper() for sub in subdivisions} for code, subdivisions in holidays.list_supported_countries().items()}


def public_holiday_errors(country: str | None, subdivision: str | None) -> dict:
    """{field: [message]} when the public-holiday country or subdivision code is unknown; empty when fine."""
    country = (country or "").strip().upper() or None
    subdivision = (subdivision or "").strip().upper() or None
    if country is None:
        return {"subdivision": ["Give the country as well."]} if subdivision else {}
    supported = _supported_countries()
    if country not in supported:
        return {"country": [f"No public holidays are known for “{country}”: use an ISO country code such as GB, US or DE."]}
    if subdivision and subdivision not in supported[country]:
        known = ", ".join(sorted(supported[country])[:40]) or "none"
        return {"subdivision": [f"{country} has no subdivision “{subdivision}” (known: {known})."]}
    return {}


def _known_timezone(value: str) -> None:
    message = timezone_error(value)
    if message:
        raise ValidationError(message)


class HoursField(fields.Raw):
    """ "24x7" or a weekday map; the calendar services check the intervals and name the weekday at fault."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) or (isinstance(value, dict) and all(isinstance(v, list) for v in value.values())):
            return value
        raise ValidationError('Use "24x7" or a map of weekday to a list of ["HH:MM", "HH:MM"] intervals.')


# --- calendars ---------------------------------------------------------------------------------


class SlaCalendarOut(Schema):
    id = fields.UUID()
    name = fields.String()
    timezone = fields.String()
    hours = fields.Raw(metadata=HOURS_DOC)
    holidays = fields.List(fields.String(), metadata={"description": "Custom holiday dates (ISO)."})
    country = fields.String(allow_none=True, metadata={"description": "Public holidays of this country (ISO code)."})
    subdivision = fields.String(allow_none=True)
    archived = computed(fields.Boolean(), lambda calendar: calendar.archived_at is not None)
    archived_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SlaCalendarPageOut(Schema):
    items = fields.List(fields.Nested(SlaCalendarOut))
    next_cursor = fields.String(allow_none=True)


class SlaStatusArgs(PageArgs):
    status = fields.String(load_default="active", validate=validate.OneOf(STATUSES))


class SlaCalendarUpdateIn(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    timezone = fields.String(
        validate=[validate.Length(min=1, max=64), _known_timezone], metadata={"description": "An IANA zone such as Europe/London."}
    )
    hours = HoursField(metadata=HOURS_DOC)
    holidays = fields.List(dates.Date(), validate=validate.Length(max=1000), metadata={"description": "Custom holiday dates."})
    country = fields.String(
        allow_none=True,
        validate=validate.Length(max=8),
        metadata={"description": "ISO country code for public holidays (GB, US, DE...); null for none."},
    )
    subdivision = fields.String(
        allow_none=True, validate=validate.Length(max=16), metadata={"description": "Subdivision code of the country (ENG, NY, BY...)."}
    )


class SlaCalendarIn(SlaCalendarUpdateIn):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    timezone = fields.String(
        required=True, validate=[validate.Length(min=1, max=64), _known_timezone], metadata={"description": "An IANA zone such as Europe/London."}
    )


# --- policies ----------------------------------------------------------------------------------


class SlaTargetPair(Schema):
    first_response = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_TARGET_MINUTES),
        metadata={"description": "Business minutes to the first response; null for no clock."},
    )
    resolution = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_TARGET_MINUTES),
        metadata={"description": "Business minutes to resolution; null for no clock."},
    )


class SlaTargets(Schema):
    """Targets per priority; a priority left out has no clock."""

    urgent = fields.Nested(SlaTargetPair)
    high = fields.Nested(SlaTargetPair)
    normal = fields.Nested(SlaTargetPair)
    low = fields.Nested(SlaTargetPair)


def _targets(**kwargs):
    return fields.Nested(
        SlaTargets, metadata={"description": "Per priority (urgent, high, normal, low): first_response and resolution in business minutes."}, **kwargs
    )


class SlaPolicyVersionOut(Schema):
    id = fields.UUID()
    version = fields.Integer()
    calendar_id = fields.UUID()
    targets = fields.Dict()
    at_risk_percent = fields.Integer()
    created_by_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class SlaRuleOut(Schema):
    id = fields.UUID()
    policy_id = fields.UUID()
    client_id = fields.UUID(allow_none=True)
    task_type_id = fields.UUID(allow_none=True)
    applies_to = fields.String(
        metadata={"description": "client_and_task_type, client, task_type or agency_default; the first matching rule in this order applies."}
    )
    created_at = fields.DateTime()


class SlaPolicySummaryOut(Schema):
    id = fields.UUID()
    name = fields.String()
    description = fields.String(allow_none=True)
    current_version = fields.Integer()
    calendar_id = fields.UUID(allow_none=True, metadata={"description": "The current version's calendar."})
    targets = fields.Dict(metadata={"description": "The current version's targets, in business minutes."})
    at_risk_percent = fields.Integer(allow_none=True)
    archived = fields.Boolean()
    archived_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class SlaPolicyOut(SlaPolicySummaryOut):
    versions = fields.List(fields.Nested(SlaPolicyVersionOut), metadata={"description": "Every version, newest first."})
    rules = fields.List(fields.Nested(SlaRuleOut), metadata={"description": "Where the policy applies."})


class SlaPolicyPageOut(Schema):
    items = fields.List(fields.Nested(SlaPolicySummaryOut))
    next_cursor = fields.String(allow_none=True)


class SlaPolicyUpdateIn(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    calendar_id = fields.UUID()
    targets = _targets()
    at_risk_percent = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=99), metadata={"description": "Warn when this share of a target has elapsed."}
    )


class SlaPolicyIn(SlaPolicyUpdateIn):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    calendar_id = fields.UUID(required=True)
    targets = _targets(required=True)
    at_risk_percent = fields.Integer(
        strict=True,
        load_default=75,
        validate=validate.Range(min=1, max=99),
        metadata={"description": "Warn when this share of a target has elapsed."},
    )


# --- rules -------------------------------------------------------------------------------------


class SlaRulePageOut(Schema):
    items = fields.List(fields.Nested(SlaRuleOut))
    next_cursor = fields.String(allow_none=True)


class SlaRuleArgs(PageArgs):
    policy_id = fields.UUID(load_default=None)


class SlaRuleIn(Schema):
    policy_id = fields.UUID(required=True)
    client_id = fields.UUID(allow_none=True, load_default=None)
    task_type_id = fields.UUID(allow_none=True, load_default=None)


# --- client holidays ---------------------------------------------------------------------------


class SlaClientHolidayOut(Schema):
    id = fields.UUID()
    client_id = fields.UUID()
    day = fields.Date()
    name = fields.String()
    created_at = fields.DateTime()


class SlaClientHolidayPageOut(Schema):
    items = fields.List(fields.Nested(SlaClientHolidayOut))
    next_cursor = fields.String(allow_none=True)


class SlaClientHolidayArgs(PageArgs):
    date_from = dates.Date(load_default=None, data_key="from")
    date_to = dates.Date(load_default=None, data_key="to")


class SlaClientHolidayIn(Schema):
    # `day` is required by the service (a 422 naming it): left optional here so an unknown client answers 404 first.
    day = dates.Date(metadata={"description": "The day the client is closed (required)."})
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
