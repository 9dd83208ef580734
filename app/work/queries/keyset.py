"""Sort orders of the task lists and keyset pages over them (cursor = the last row's sort values).

Every order is uniform in direction, so "after the cursor" is one row comparison the index can seek to.
`due_at` may be NULL (no deadline, sorted last): a row comparison is unknown on NULL, so a page that starts
inside a deadline segment also reads the no-deadline rows of the same prefix, as a second branch of a UNION ALL.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, tuple_

from app.core.errors import ValidationFailed
from app.extensions import db
from app.work.models import Task

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class SortOrder:
    label: str
    columns: tuple[str, ...]
    descending: bool = False
    nullable: str | None = None  # the one column that may be NULL (sorted last)


SORTS = {
    "urgency": SortOrder("Most urgent first", ("priority_rank", "due_at", "created_at", "id"), nullable="due_at"),
    "due": SortOrder("Deadline, soonest first", ("due_at", "priority_rank", "created_at", "id"), nullable="due_at"),
    "sla": SortOrder("SLA due, soonest first", ("resolution_due_at", "priority_rank", "created_at", "id"), nullable="resolution_due_at"),
    "created": SortOrder("Newest first", ("created_at", "id"), descending=True),
    "updated": SortOrder("Recently updated", ("updated_at", "id"), descending=True),
    "reference": SortOrder("Reference", ("number", "id")),
}
DEFAULT_SORT = "urgency"


@dataclass
class TaskPage:
    items: list
    next_cursor: str | None


def _column(entity, name):
    return getattr(entity, name)


def order_by(sort: SortOrder, entity=Task) -> list:
    clauses = []
    for name in sort.columns:
        column = _column(entity, name)
        if sort.descending:
            clauses.append(column.desc())
        elif name == sort.nullable:
            clauses.append(column.asc().nulls_last())
        else:
            clauses.append(column.asc())
    return clauses


# --- cursors ---------------------------------------------------------------------------------


def _dump(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _load(name: str, value):
    if value is None:
        return None
    if name in ("id",):
        return uuid.UUID(value)
    if name.endswith("_at"):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive instant")
        return parsed
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not an integer")
    return value


def encode_cursor(sort_name: str, task) -> str:
    sort = SORTS[sort_name]
    raw = json.dumps([sort_name, *(_dump(getattr(task, name)) for name in sort.columns)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort_name: str, cursor: str) -> list:
    """The sort values a cursor carries; 422 when it is malformed or was made for another order."""
    sort = SORTS[sort_name]
    try:
        values = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        if not isinstance(values, list) or len(values) != len(sort.columns) + 1 or values[0] != sort_name:
            raise ValueError("shape")
        loaded = [_load(name, value) for name, value in zip(sort.columns, values[1:], strict=True)]
        if any(v is None for name, v in zip(sort.columns, loaded, strict=True) if name != sort.nullable):
            raise ValueError("null")
        return loaded
    except (ValueError, TypeError, AttributeError):
        raise ValidationFailed("The cursor is not valid for this list.", fields={"cursor": ["Not a valid cursor."]}) from None


# --- pages -----------------------------------------------------------------------------------


def _after(sort: SortOrder, values: list, entity=Task) -> list:
    """Conditions (each one branch of the page) selecting the rows after `values` in `sort` order."""
    columns = [_column(entity, name) for name in sort.columns]

    def beyond(cols, vals):
        return tuple_(*cols) < tuple_(*vals) if sort.descending else tuple_(*cols) > tuple_(*vals)

    if sort.nullable is None:
        return [beyond(columns, values)]
    k = sort.columns.index(sort.nullable)
    prefix, prefix_values = columns[:k], values[:k]
    nullable, suffix, suffix_values = columns[k], columns[k + 1 :], values[k + 1 :]
    same_prefix = [c == v for c, v in zip(prefix, prefix_values, strict=True)]
    if values[k] is not None:
        # Deadline rows after the cursor (and every row of a later prefix), then this prefix's no-deadline rows.
        return [beyond(columns, values), and_(*same_prefix, nullable.is_(None))]
    branches = [and_(*same_prefix, nullable.is_(None), beyond(suffix, suffix_values))]
    if prefix:
        branches.append(beyond(prefix, prefix_values))
    return branches


def _merge_key(sort: SortOrder):
    """Python's order of rows that matches SQL's for an ascending sort whose nullable column sorts last."""

    def key(task):
        parts = []
        for name in sort.columns:
            value = getattr(task, name)
            parts.append((value is None, value) if name == sort.nullable else value)
        return tuple(parts)

    return key


def page_rows(stmt: Select, sort_name: str, *, limit: int, cursor: str | None) -> list:
    """One page (limit + 1 rows, to know whether another page follows).

    After a cursor in an order with a nullable column the rows come from two branches (see _after). Each branch is its
    own plain query, which SQLAlchemy compiles once and caches, and the two short results are merged here: building a
    UNION over an aliased entity cost more per request than the database took to answer it.
    """
    sort = SORTS[sort_name]
    if not cursor:
        return list(db.session.scalars(stmt.order_by(*order_by(sort)).limit(limit + 1)))
    rows = []
    for condition in _after(sort, decode_cursor(sort_name, cursor)):
        rows.extend(db.session.scalars(stmt.where(condition).order_by(*order_by(sort)).limit(limit + 1)))
    if sort.nullable is not None:
        rows.sort(key=_merge_key(sort))
    return rows[: limit + 1]


def clamp_limit(limit, maximum: int = MAX_LIMIT) -> int:
    return min(max(int(limit or DEFAULT_LIMIT), 1), maximum)


def task_page(stmt: Select, sort_name: str = DEFAULT_SORT, *, limit=None, cursor: str | None = None, max_limit: int = MAX_LIMIT) -> TaskPage:
    limit = clamp_limit(limit, max_limit)
    rows = page_rows(stmt, sort_name, limit=limit, cursor=cursor)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(sort_name, rows[-1])
    return TaskPage(rows, next_cursor)
