"""Notification pages for every signed-in user: the list, marking read, preferences, and the navbar's unread badge."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, has_request_context, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import AppError
from app.core.pages import render_page, safe_next
from app.notifications import queries, services
from app.notifications.models import KIND_LABELS, kind_help_for, kinds_for

bp = Blueprint("notifications", __name__)
log = logging.getLogger(__name__)
SHOW = ("all", "unread")


@bp.app_context_processor
def unread_badge():
    """`unread_notifications` for the navbar: one COUNT on the unread index, only for signed-in users."""
    count = 0
    try:
        if has_request_context() and current_user and current_user.is_authenticated:
            count = queries.unread_count(current_user)
    except SQLAlchemyError:  # an error page after a failed transaction still renders, without the badge
        log.warning("unread notification count unavailable", exc_info=True)
    return {"unread_notifications": count}


@bp.before_request
def _signed_in_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def _back_to_list():
    return redirect(safe_next(request.form.get("next")) or url_for("notifications.index"))


@bp.route("/notifications")
def index():
    args = request.args
    show = args.get("show") if args.get("show") in SHOW else "all"
    kinds = kinds_for(current_user)
    kind = args.get("kind") if args.get("kind") in kinds else None
    sort = args.get("sort") if args.get("sort") in queries.SORTS else "newest"
    try:
        page = queries.list_notifications(current_user, unread=show == "unread", kind=kind, sort=sort, cursor=args.get("cursor") or None)
    except AppError as error:  # a tampered cursor: say so and start from the first page
        flash(error.message, "warning")
        return redirect(url_for("notifications.index", show=show, kind=kind, sort=sort))
    return render_page(
        "notifications/index.html",
        notifications=page.items,
        next_cursor=page.next_cursor,
        show=show,
        kind=kind,
        sort=sort,
        kinds=kinds,
        kind_labels=KIND_LABELS,
        paged=bool(args.get("cursor")),
        unread_total=queries.unread_count(current_user),
    )


@bp.route("/notifications/<uuid:notification_id>/read", methods=["POST"])
def mark_read(notification_id):
    """Mark one notification read, then follow its link (or, with `stay`, go back to the list)."""
    note = services.mark_read(current_user, notification_id)
    target = safe_next(note.url)
    if target and not request.form.get("stay"):
        return redirect(target)
    return _back_to_list()


@bp.route("/notifications/read-all", methods=["POST"])
def mark_all_read():
    marked = services.mark_all_read(current_user)
    flash(f"Marked {marked} notification{'s' if marked != 1 else ''} read." if marked else "Nothing was unread.", "success")
    return _back_to_list()


@bp.route("/notifications/preferences", methods=["GET", "POST"])
def preferences():
    """Only the kinds this user can receive (staff and client users hear about different things)."""
    current = services.preferences_for(current_user)
    kinds = tuple(current)
    shown = {"kinds": kinds, "kind_labels": KIND_LABELS, "kind_help": kind_help_for(current_user)}
    if request.method == "POST":
        choices = {kind: (f"{kind}-in_app" in request.form, f"{kind}-email" in request.form) for kind in kinds}
        try:
            services.set_preferences(current_user, choices)
        except AppError as error:
            return render_page("notifications/preferences.html", error.status, preferences=choices, error=error.message, **shown)
        flash("Notification preferences saved.", "success")
        return redirect(url_for("notifications.preferences"))
    return render_page("notifications/preferences.html", preferences=current, **shown)
