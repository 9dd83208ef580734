"""Marshmallow input and output schemas for accounts (unknown fields are refused)."""

from marshmallow import Schema, fields, validate

from app.accounts.localtime import viewer_of
from app.accounts.models import ROLES
from app.core.api import computed
from app.core.pagination import PageArgs


class TokenRequestIn(Schema):
    agency = fields.String(required=True, validate=validate.Length(min=1, max=63))
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024))
    otp = fields.String(load_default=None, validate=validate.Length(max=16))
    name = fields.String(load_default=None, validate=validate.Length(max=100))


class ApiTokenOut(Schema):
    id = fields.UUID()
    name = fields.String()
    prefix = fields.String(metadata={"description": "The token's last characters, to recognise it."})
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class NewApiTokenOut(ApiTokenOut):
    token = fields.String(metadata={"description": "The bearer token. Shown once; store it now."})


class ApiTokenIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class AgencyOut(Schema):
    id = fields.UUID()
    name = fields.String()
    slug = fields.String()
    timezone = fields.String(metadata={"description": "The agency's default IANA time zone; reports count its days."})
    locale = fields.String(metadata={"description": "The agency's default locale for dates and numbers (such as en_GB)."})


class UserOut(Schema):
    id = fields.UUID()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    client_id = fields.UUID(allow_none=True)
    status = fields.String()
    two_factor_enabled = fields.Boolean(attribute="totp_enabled")
    last_login_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    timezone = fields.String(allow_none=True, metadata={"description": "The user's own IANA time zone; null inherits."})
    locale = fields.String(allow_none=True, metadata={"description": "The user's own locale (such as en_US); null inherits."})


class MeOut(UserOut):
    agency = fields.Nested(AgencyOut)
    effective_timezone = computed(
        fields.String(
            metadata={"description": "The zone the caller's pages and emails use: their own, else their client's (client users), else the agency's."}
        ),
        lambda user: viewer_of(user).zone,
    )
    effective_locale = computed(
        fields.String(metadata={"description": "The locale the caller's pages and emails use: their own, else the agency's."}),
        lambda user: viewer_of(user).locale,
    )


class MeUpdateIn(Schema):
    timezone = fields.String(
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={"description": "An IANA zone such as America/New_York; null or empty to inherit."},
    )
    locale = fields.String(
        allow_none=True,
        validate=validate.Length(max=16),
        metadata={"description": "One of the offered locales such as en_US; null or empty to inherit."},
    )


class UserPageOut(Schema):
    items = fields.List(fields.Nested(UserOut))
    next_cursor = fields.String(allow_none=True)


class UserFilterArgs(PageArgs):
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    client_id = fields.UUID(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["active", "invited", "deactivated"]))


class UserInviteIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    client_id = fields.UUID(load_default=None)


class UserUpdateIn(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    role = fields.String(validate=validate.OneOf(ROLES))
