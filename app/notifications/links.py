"""Signed one-click unsubscribe links of notification emails (RFC 8058): one user, one kind, no sign-in needed."""

from __future__ import annotations

import uuid

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.accounts.links import absolute_url

UNSUBSCRIBE_PATH = "/unsubscribe/{token}"


def _serializer() -> URLSafeSerializer:
    # Its own salt: an invitation or reset token can never be replayed as an unsubscribe token, nor the reverse.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="backline-unsubscribe")


def unsubscribe_token(user, kind: str) -> str:
    """Names the agency, the user and the kind. It does not expire: an old email's link must keep working."""
    return _serializer().dumps({"a": str(user.agency_id), "u": str(user.id), "k": kind})


def read_unsubscribe_token(token: str) -> tuple[uuid.UUID, uuid.UUID, str] | None:
    """(agency_id, user_id, kind), or None for a token this deployment did not sign."""
    try:
        data = _serializer().loads(token)
        return uuid.UUID(data["a"]), uuid.UUID(data["u"]), str(data["k"])
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None


def unsubscribe_url(user, kind: str) -> str:
    return absolute_url(UNSUBSCRIBE_PATH.format(token=unsubscribe_token(user, kind)))
