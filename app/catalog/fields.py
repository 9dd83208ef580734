"""Custom fields of a task type: validate their definitions and build a marshmallow schema for values."""

from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from app.catalog.models import FIELD_TYPES
from app.core import dates
from app.core.errors import ValidationFailed

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class FieldDefinition(Schema):
    """One custom field of a task type."""

    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=validate.Regexp(KEY_RE, error="Use lowercase letters, digits and _ (start with a letter)."))
    label = fields.String(required=True, validate=validate.Length(min=1, max=80))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(load_default=False)
    choices = fields.List(fields.String(validate=validate.Length(min=1, max=80)), load_default=list)
    help = fields.String(load_default=None, validate=validate.Length(max=200))


def clean_definitions(raw: list) -> list[dict]:
    """Validate a task type's custom-field definitions; keys are unique and choice fields have choices."""
    if not isinstance(raw, list):
        raise ValidationFailed("Custom fields must be a list.", fields={"custom_fields": ["Must be a list."]})
    try:
        defs = FieldDefinition(many=True).load(raw)
    except ValidationError as error:
        raise ValidationFailed("A custom field definition is not valid.", fields={"custom_fields": error.messages}) from None
    seen = set()
    for index, d in enumerate(defs):
        if d["key"] in seen:
            raise ValidationFailed(
                f"The custom field key '{d['key']}' is used twice.", fields={"custom_fields": {index: {"key": [f"Duplicate key '{d['key']}'."]}}}
            )
        seen.add(d["key"])
        if d["type"] == "choice" and not d["choices"]:
            raise ValidationFailed(
                f"The choice field '{d['key']}' needs choices.", fields={"custom_fields": {index: {"choices": ["Choices required."]}}}
            )
        if d["type"] != "choice":
            d["choices"] = []
    return defs


class _MoneyString(fields.Decimal):
    """Money as a decimal string with two places (stored as text in JSON, never a float)."""

    def __init__(self, **kwargs):
        super().__init__(places=2, as_string=True, allow_nan=False, **kwargs)


class _Number(fields.Float):
    """A number kept as people wrote it: 14 stays a whole number (not 14.0), 12.5 a fraction."""

    @staticmethod
    def _as_written(number):
        return int(number) if isinstance(number, float) and number.is_integer() and abs(number) < 2**53 else number

    def _deserialize(self, value, attr, data, **kwargs):
        return self._as_written(super()._deserialize(value, attr, data, **kwargs))

    def _serialize(self, value, attr, obj, **kwargs):
        return self._as_written(super()._serialize(value, attr, obj, **kwargs))


def _field_for(definition: dict) -> fields.Field:
    required = bool(definition.get("required"))
    options = {"required": required, "allow_none": not required, "metadata": {"description": definition.get("label")}}
    kind = definition["type"]
    if kind == "text":
        return fields.String(validate=validate.Length(max=2000), **options)
    if kind == "number":
        return _Number(allow_nan=False, **options)
    if kind == "money":
        return _MoneyString(validate=validate.Range(min=Decimal("-1e12"), max=Decimal("1e12")), **options)
    if kind == "date":
        return dates.Date(**options)
    if kind == "choice":
        return fields.String(validate=validate.OneOf(definition["choices"]), **options)
    if kind == "yes_no":
        return fields.Boolean(**options)
    raise ValueError(f"unknown field type {kind}")


def values_schema(definitions: list[dict]) -> Schema:
    """A schema that loads a task's custom values: unknown keys refused, required ones enforced."""
    attrs = {d["key"]: _field_for(d) for d in definitions}
    attrs["Meta"] = type("Meta", (), {"unknown": RAISE})
    return Schema.from_dict(attrs, name="CustomValues")()


def clean_values(definitions: list[dict], raw: dict | None, *, partial: bool = False) -> dict:
    """Validate custom values against the definitions; returns JSON-ready values (dates as ISO strings)."""
    schema = values_schema(definitions)
    try:
        loaded = schema.load(raw or {}, partial=partial)
    except ValidationError as error:
        raise ValidationFailed("Some custom fields are not valid.", fields={"custom_values": error.messages}) from None
    return schema.dump(loaded)


def values_from_form(form, definitions: list[dict]) -> dict:
    """Raw custom values from a page's form (inputs named `cf_<key>`): empty ones become null; `clean_values` validates."""
    values = {}
    for definition in definitions:
        raw = form.get(f"cf_{definition['key']}")
        if raw is None:
            continue
        values[definition["key"]] = raw.strip() or None
    return values
