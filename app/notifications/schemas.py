"""Marshmallow input and output schemas for notifications and notification preferences (unknown fields are refused)."""

from marshmallow import Schema, fields, validate

from app.core.api import computed, partial_output
from app.core.pagination import PageArgs
from app.notifications.models import KIND_LABELS, KINDS, kind_help_for
from app.notifications.queries import SORTS


class NotificationOut(Schema):
    id = fields.UUID()
    kind = fields.String()
    title = fields.String()
    body = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    task_id = fields.UUID(allow_none=True)
    task_reference = fields.String(allow_none=True)
    client_name = fields.String(allow_none=True)
    read = computed(fields.Boolean(), lambda note: note.read_at is not None)
    read_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class NotificationPageOut(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    next_cursor = fields.String(allow_none=True)
    unread_count = fields.Integer()


class NotificationFilterArgs(PageArgs):
    unread = fields.Boolean(load_default=False)
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    sort = fields.String(load_default="newest", validate=validate.OneOf(SORTS))


class ReadAllOut(Schema):
    marked_read = fields.Integer()
    unread_count = fields.Integer()


class ChannelsIn(Schema):
    in_app = fields.Boolean(required=True)
    email = fields.Boolean(required=True)


class ChannelsOut(Schema):
    label = fields.String()
    description = fields.String()
    in_app = fields.Boolean()
    email = fields.Boolean()


# One optional field per kind, so a kind added to KINDS is in the API (and its OpenAPI document) at once.
# Each user sees and may set only the kinds of their audience (staff or client); others are refused by the service.
PreferencesIn = Schema.from_dict({kind: fields.Nested(ChannelsIn) for kind in KINDS}, name="PreferencesIn")
PreferencesIn.__doc__ = "Any subset of the kinds you can receive; kinds left out keep their setting."
PreferencesOut = Schema.from_dict({kind: fields.Nested(ChannelsOut) for kind in KINDS}, name="PreferencesOut")
PreferencesOut.__doc__ = "Per kind you can receive: its label, what it means, and whether it comes in the app and by email."
partial_output(PreferencesOut)  # only the kinds the user's role can receive are sent


def preferences_out(preferences: dict, user) -> dict:
    """{kind: (in_app, email)} as the API shows it, with each kind's label and explanation as the user reads it."""
    help_texts = kind_help_for(user)
    return {
        kind: {"label": KIND_LABELS[kind], "description": help_texts[kind], "in_app": in_app, "email": email}
        for kind, (in_app, email) in preferences.items()
    }
