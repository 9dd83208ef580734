"""Signed links for invitations and password resets (expiry and single use live on the rows), and their exchanged state."""

from __future__ import annotations

import uuid

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer


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


# --- the state a link is exchanged for ----------------------------------------------------------
# An emailed link's token is read once, then kept in a short-lived, signed, httponly cookie scoped to the
# link's pages, and the browser moves to a token-free address: tokens stay out of access logs, browser
# history and Referer headers.

STATE_COOKIES = {"reset": ("backline_reset", "/password/reset"), "invite": ("backline_invite", "/invitations")}


def _state_serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"backline-{kind}-state")


def keep_link_state(response, kind: str, token: str):
    """Attach the exchanged link to `response` as its state cookie."""
    name, path = STATE_COOKIES[kind]
    response.set_cookie(
        name,
        _state_serializer(kind).dumps(token),
        max_age=current_app.config["LINK_STATE_MINUTES"] * 60,
        path=path,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def link_state(kind: str) -> str | None:
    """The link token this browser exchanged, if its state cookie is genuine and recent."""
    name, _ = STATE_COOKIES[kind]
    value = request.cookies.get(name)
    if not value:
        return None
    try:
        return _state_serializer(kind).loads(value, max_age=current_app.config["LINK_STATE_MINUTES"] * 60)
    except BadSignature:  # also SignatureExpired
        return None


def forget_link_state(response, kind: str):
    name, path = STATE_COOKIES[kind]
    response.delete_cookie(name, path=path, httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
