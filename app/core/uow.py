"""One unit of work per request: the edge commits once on success and rolls back otherwise."""
from __future__ import annotations

from flask import g

from app.extensions import db


def init_app(app) -> None:
    @app.after_request
    def _finish_unit(response):
        if response.status_code < 400 and not g.get("uow_failed"):
            db.session.commit()
        else:
            db.session.rollback()
        from app.core import audit

        audit.write_security_events()
        return response

    @app.teardown_request
    def _abandon_unit(exc):
        if exc is not None:
            db.session.rollback()
