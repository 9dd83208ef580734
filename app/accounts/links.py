"""Signed links for invitations and password resets; expiry and single use live on the rows."""
from __future__ import annotations

import uuid

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer


def _serializer(kind: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"backline-{kind}")


def make_token(kind: str, agency_id: uuid.UUID, row_id: uuid.UUID) -> str:
    return _serializer(kind).dumps({"a": str(agency_id), "i": str(row_id)})


def read_token(kind: str, token: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """Return (agency_id, row_id), or None for a token that was not made here."""
    try:
        data = _serializer(kind).loads(token)
        return uuid.UUID(data["a"]), uuid.UUID(data["i"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def absolute_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path
