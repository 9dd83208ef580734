"""Idempotency-Key on creating API POSTs: a retried request replays the first response."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime, timedelta

from flask import Response, g, request
from flask_login import current_user
from sqlalchemy import Integer, String, Text, UniqueConstraint, Uuid, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.errors import error_response
from app.core.models import ClientScoped, TenantModel, tenant_fk
from app.core.types import UTCDateTime, utcnow
from app.extensions import db

HEADER = "Idempotency-Key"
# Printable ASCII, 1 to 255 characters, no space at either end (as the OpenAPI document declares).
KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"
KEEP_FOR = timedelta(hours=24)


class IdempotencyKey(TenantModel, ClientScoped):
    """The first successful response to a POST sent with an Idempotency-Key, per user and key."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("agency_id", "user_id", "key"),
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        tenant_fk("client_id", "clients", ondelete="CASCADE"),
    )
    id_param = "idempotency_key_id"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _request_hash() -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}?{request.query_string.decode()}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _applies() -> bool:
    return request.method == "POST" and request.path.startswith("/api/") and HEADER in request.headers


def replay_or_remember():
    """Before the view: answer a repeated key from the stored response, or remember the key."""
    if not _applies() or not current_user.is_authenticated:
        return None
    key = request.headers[HEADER]
    if not re.fullmatch(KEY_PATTERN, key):
        return error_response(
            400, "bad_idempotency_key", "Idempotency-Key must be 1 to 255 printable ASCII characters, without spaces at either end."
        )
    row = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == key, IdempotencyKey.created_at > utcnow() - KEEP_FOR
        )
    )
    request_hash = _request_hash()
    if row is not None:
        if row.request_hash != request_hash:
            return error_response(422, "idempotency_key_reused", "This Idempotency-Key was already used with a different request.")
        response = Response(row.response_body, status=row.status_code, mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response
    g.idempotency = g.idempotency_sent = (key, request_hash)
    return None


def replay_after_conflict():
    """After a duplicate-key rollback: the response of a concurrent twin with this key that committed first, if any."""
    sent = g.pop("idempotency_sent", None)
    if sent is None or not current_user.is_authenticated:
        return None
    key, request_hash = sent
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == key))
    if row is None:
        return None
    if row.request_hash != request_hash:
        return error_response(422, "idempotency_key_reused", "This Idempotency-Key was already used with a different request.")
    response = Response(row.response_body, status=row.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def store_first_response(response):
    """After the view, inside the unit of work: keep a successful response for replays."""
    pending = g.pop("idempotency", None)
    if pending and 200 <= response.status_code < 300 and response.is_json:
        key, request_hash = pending
        db.session.add(
            IdempotencyKey(
                user_id=current_user.id,
                client_id=current_user.client_id,
                key=key,
                request_hash=request_hash,
                status_code=response.status_code,
                response_body=response.get_data(as_text=True),
            )
        )
    return response


def purge_expired() -> int:
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEEP_FOR))
    return result.rowcount or 0


def init_app(app) -> None:
    app.before_request(replay_or_remember)
    app.after_request(store_first_response)
