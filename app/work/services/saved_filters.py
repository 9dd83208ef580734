"""Saved filters: a user keeps a list's query string under a name, per view, to apply it again later."""

from __future__ import annotations

from urllib.parse import parse_qsl

from sqlalchemy import select

from app.core import audit
from app.core.errors import ValidationFailed
from app.extensions import db
from app.work.models import SavedFilter
from app.work.queries.filters import parse_filters

VIEWS = {"my_work": "My work", "queue": "Queue", "client": "Client", "tasks": "All tasks"}


def _clean_query(query: str) -> str:
    """Only the known filters, validated, in a stable order (no cursor: a saved filter starts at the first page)."""
    filters, errors = parse_filters(dict(parse_qsl(query or "", keep_blank_values=False)))
    if errors:
        raise ValidationFailed("Some filters are not valid.", fields={"query": [f"{k}: {' '.join(map(str, v))}" for k, v in errors.items()]})
    return filters.query_string()


def save_filter(actor, *, view: str, name: str, query: str) -> SavedFilter:
    """Save (or, under an existing name of the same user, replace) a filter for a view."""
    if view not in VIEWS:
        raise ValidationFailed("Unknown list.", fields={"view": [f"Must be one of: {', '.join(VIEWS)}."]})
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("Give the filter a name (up to 100 characters).", fields={"name": ["Required, at most 100 characters."]})
    query = _clean_query(query)
    row = db.session.scalar(select(SavedFilter).where(SavedFilter.user_id == actor.id, SavedFilter.name == name))
    if row is None:
        row = SavedFilter(user_id=actor.id, name=name, view=view, query=query)
        db.session.add(row)
    else:
        row.view, row.query = view, query
    db.session.flush()
    audit.record("saved_filter.saved", row, name=name, view=view)
    return row


def delete_filter(row: SavedFilter) -> None:
    audit.record("saved_filter.deleted", row, name=row.name)
    db.session.delete(row)
    db.session.flush()
