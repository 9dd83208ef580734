"""The client-visible filter: what of a flagged model (its `client_visible` column) a viewer outside the agency may see."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select


def client_visible(model) -> ColumnElement[bool]:
    """The condition keeping only the model's rows flagged as visible to the client."""
    return model.client_visible.is_(True)


def sees_internal(viewer) -> bool:
    """Agency users see internal rows too; client users, and nobody signed in, only client-visible ones."""
    return viewer is not None and bool(getattr(viewer, "is_agency_user", False))


def visible_to(stmt: Select, model, viewer) -> Select:
    """Narrow a select of the model's rows to those the viewer may see."""
    return stmt if sees_internal(viewer) else stmt.where(client_visible(model))


def row_visible_to(row, viewer) -> bool:
    """Whether the viewer may see this one row (the same rule as `visible_to`, for a row already loaded)."""
    return bool(row.client_visible) or sees_internal(viewer)
