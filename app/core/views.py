"""Core routes with no business words: the health check."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

log = logging.getLogger(__name__)

bp = Blueprint("core", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("health check failed")
        return jsonify({"status": "error", "database": "unavailable"}), 503
    return jsonify({"status": "ok"})
