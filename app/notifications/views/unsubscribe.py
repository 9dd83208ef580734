"""The one-click unsubscribe link of notification emails (RFC 8058), honoured without signing in."""

from __future__ import annotations

from flask import Blueprint

from app.core.errors import NotFound
from app.core.pages import render_page
from app.notifications import queries, services
from app.notifications.models import KIND_LABELS

bp = Blueprint("unsubscribe", __name__)
PAGE = "notifications/unsubscribe.html"


@bp.route("/unsubscribe/<token>", methods=["GET"])
def confirm(token):
    """Only a page with a button: link scanners and previews follow GETs, and must not unsubscribe anyone."""
    try:
        agency, user, kind = queries.unsubscribe_target(token)
    except NotFound as error:
        return render_page(PAGE, 404, invalid=True, message=error.message)
    return render_page(PAGE, agency=agency, user=user, kind=kind, kind_label=KIND_LABELS[kind], done=False)


@bp.route("/unsubscribe/<token>", methods=["POST"])
def unsubscribe(token):
    """The mail client's one-click POST (body `List-Unsubscribe=One-Click`, no cookies) or the page's button."""
    try:
        agency, user, kind = services.unsubscribe(token)
    except NotFound as error:
        return render_page(PAGE, 404, invalid=True, message=error.message)
    return render_page(PAGE, agency=agency, user=user, kind=kind, kind_label=KIND_LABELS[kind], done=True)
