"""The API's blueprint class: flask-smorest's, with multipart uploads in one body and required bodies enforced."""

from __future__ import annotations

from functools import wraps

from flask import request
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from app.core.errors import ValidationFailed


class ApiParser(FlaskParser):
    """webargs' Flask parser plus a `multipart` location: form fields and files read as one body."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "multipart": None}

    def load_multipart(self, req, schema):
        # A part without a usable name is unknown: keep it (named "") so the schema refuses it rather than crash on None.
        merged = CombinedMultiDict([req.files, req.form])
        return self._makeproxy(MultiDict([(key or "", value) for key, value in merged.items(multi=True)]), schema)


ApiParser.__location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}


class Blueprint(SmorestBlueprint):
    """Every API blueprint: a body documented as required is required (a request without one gets 422).

    `location="multipart"` reads a multipart/form-data body (files and fields together) and documents it as
    one `multipart/form-data` request body, so uploads appear with a binary `file` property.
    """

    ARGUMENTS_PARSER = ApiParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**SmorestBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data"}

    def arguments(self, schema, *, location="json", required=True, **kwargs):
        decorate = super().arguments(schema, location=location, required=required, **kwargs)
        if not required or location not in ("json", "multipart"):
            return decorate

        def decorator(func):
            parsed = decorate(func)

            @wraps(parsed)
            def wrapper(*args, **kw):
                if not _has_body(location):
                    raise ValidationFailed("This request needs a body.", fields={"_body": [_BODY_HINT[location]]})
                return parsed(*args, **kw)

            return wrapper

        return decorator


_BODY_HINT = {"json": "Send a JSON object (Content-Type: application/json).", "multipart": "Send multipart/form-data."}


def _has_body(location: str) -> bool:
    if location == "multipart":
        return request.mimetype == "multipart/form-data"
    return request.is_json and bool(request.get_data(cache=True).strip())


def computed(field, func):
    """`field` with its value computed by `func(obj)` rather than read from an attribute.

    The field keeps its class, so it serializes (ISO 8601 instants, UUIDs...) and is documented with its type;
    marshmallow's Function and Method fields have neither.
    """
    field.get_value = lambda obj, attr, accessor=None, default=None: func(obj)
    field.dump_only = True
    return field


# Output schemas whose fields are not all sent every time (the contract leaves them without `required`).
PARTIAL_OUTPUTS: set[str] = set()


def partial_output(schema_class):
    """Mark an output schema some of whose fields may be absent from a response."""
    PARTIAL_OUTPUTS.add(schema_class.__name__.removesuffix("Schema"))
    return schema_class
