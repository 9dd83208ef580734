"""One unit of work per request: the edge commits once on success and rolls back otherwise."""
from __future__ import annotations

from flask import g

from app.extensions import db

_unit_end_hooks: list = []


def on_unit_end(hook) -> None:
    """Run `hook()` after each request's unit of work has committed or rolled back."""
    if hook not in _unit_end_hooks:
        _unit_end_hooks.append(hook)


def init_app(app) -> None:
    @app.after_request
    def _finish_unit(response):
        if response.status_code < 400 and not g.get("uow_failed"):
            db.session.commit()
        else:
            db.session.rollback()
        for hook in _unit_end_hooks:
            hook()
        return response

    @app.teardown_request
    def _abandon_unit(exc):
        if exc is not None:
            db.session.rollback()
