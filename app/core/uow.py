"""One unit of work per request: the edge commits once on success and rolls back otherwise."""

from __future__ import annotations

import logging

from flask import g
from sqlalchemy.exc import IntegrityError

from app.extensions import db

log = logging.getLogger(__name__)
UNIQUE_MESSAGE = "Something with the same name or number was saved at the same moment. Reload and try again."

_unit_end_hooks: list = []


def on_unit_end(hook) -> None:
    """Run `hook()` after each request's unit of work has committed or rolled back."""
    if hook not in _unit_end_hooks:
        _unit_end_hooks.append(hook)


def is_unique_violation(error: IntegrityError) -> bool:
    """A duplicate key (PostgreSQL SQLSTATE 23505, SQLite's UNIQUE constraint), as opposed to other integrity errors."""
    orig = error.orig
    return getattr(orig, "sqlstate", None) == "23505" or getattr(orig, "pgcode", None) == "23505" or "UNIQUE constraint failed" in str(orig)


def conflict_response(error: IntegrityError):
    """The answer when a concurrent request saved the same unique key first: roll back, then replay or 409.

    A request with an Idempotency-Key whose twin committed first gets that first response; anything else gets a
    409 in the API's error shape (the database's message is logged, never shown).
    """
    db.session.rollback()
    from app.core import idempotency
    from app.core.errors import error_response

    replay = idempotency.replay_after_conflict()
    if replay is not None:
        return replay
    log.info("unique violation answered 409: %s", error.orig)
    return error_response(409, "conflict", UNIQUE_MESSAGE)


def init_app(app) -> None:
    @app.after_request
    def _finish_unit(response):
        try:
            if response.status_code < 400 and not g.get("uow_failed"):
                try:
                    db.session.commit()
                except IntegrityError as error:
                    if not is_unique_violation(error):
                        raise
                    response = conflict_response(error)
            else:
                db.session.rollback()
        finally:
            for hook in _unit_end_hooks:
                hook()
        return response

    @app.teardown_request
    def _abandon_unit(exc):
        if exc is not None:
            db.session.rollback()
