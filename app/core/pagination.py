"""Keyset pagination: ?limit=&cursor= over a (sort column, id) order."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, and_, or_

from app.core.errors import ValidationFailed
from app.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageArgs(Schema):
    """The ?limit=&cursor= query arguments of every paged API list."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(load_default=None)


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(values: list) -> str:
    raw = json.dumps([str(v) if isinstance(v, uuid.UUID) else v for v in values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != 2:
            raise ValueError
        return values
    except (ValueError, TypeError):
        raise ValidationFailed("The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]}) from None


def keyset_page(stmt: Select, sort_column, id_column, *, limit: int | None, cursor: str | None) -> Page:
    """Run `stmt` ordered by (sort_column, id) ascending, starting after `cursor`."""
    limit = min(max(int(limit or DEFAULT_LIMIT), 1), MAX_LIMIT)
    if cursor:
        sort_value, last_id = decode_cursor(cursor)
        try:
            last_id = uuid.UUID(last_id)
        except (ValueError, TypeError, AttributeError):
            raise ValidationFailed("The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]}) from None
        stmt = stmt.where(or_(sort_column > sort_value, and_(sort_column == sort_value, id_column > last_id)))
    rows = db.session.scalars(stmt.order_by(sort_column, id_column).limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, sort_column.key), last.id])
    return Page(rows, next_cursor)


def id_page(stmt, model, *, limit, cursor) -> Page:
    """Keyset pagination by id alone: ids are time-ordered (UUIDv7), so this is creation order."""
    limit = min(max(int(limit or DEFAULT_LIMIT), 1), MAX_LIMIT)
    if cursor:
        try:
            last_id = uuid.UUID(str(decode_cursor(cursor)[1]))
        except ValueError:
            raise ValidationFailed("The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]}) from None
        stmt = stmt.where(model.id > last_id)
    rows = db.session.scalars(stmt.order_by(None).order_by(model.id).limit(limit + 1)).all()
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    return Page(rows, encode_cursor([rows[-1].id, rows[-1].id]))
