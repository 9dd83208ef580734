"""The range of dates the application accepts (API fields, page forms, list filters), kept in one place.

Anything outside it is refused with a field message (422 on the API): a deadline in year 9999 is a typo,
and far-off dates only overflow date arithmetic (a day after 9999-12-31) or stall deadline computations.
"""

from __future__ import annotations

from datetime import date, datetime

from marshmallow import ValidationError, fields
from wtforms.validators import ValidationError as FormError

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
MESSAGE = f"Give a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}."
# The same range as a pattern on the ISO text, so the API schema documents (and fuzzers respect) it.
PATTERN = r"^(19|20|21)[0-9]{2}-"


def in_range(value: date | datetime | None) -> bool:
    """Whether a date (or a datetime's own calendar date) lies in the accepted range; None passes."""
    if value is None:
        return True
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


def parse_day(text: str | None) -> date | None:
    """An ISO date from a query string or form; None when empty, malformed or out of range."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if in_range(day) else None


def _documented(kwargs: dict) -> dict:
    metadata = dict(kwargs.pop("metadata", None) or {})
    description = metadata.get("description")
    metadata["description"] = f"{description} {MESSAGE[5:].capitalize()}" if description else MESSAGE[5:].capitalize()
    metadata.setdefault("pattern", PATTERN)
    return {**kwargs, "metadata": metadata}


class Date(fields.Date):
    """An ISO date within the accepted range."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **_documented(kwargs))

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not in_range(day):
            raise ValidationError(MESSAGE)
        return day


class AwareDateTime(fields.AwareDateTime):
    """An ISO instant with a zone whose date lies within the accepted range."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **_documented(kwargs))

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        if not in_range(instant):
            raise ValidationError(MESSAGE)
        return instant


def form_range(form, field) -> None:
    """WTForms validator: the field's date (or datetime) lies within the accepted range."""
    if not in_range(field.data):
        raise FormError(MESSAGE)
