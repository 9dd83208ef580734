"""Shared page plumbing (navbar context, filters, form errors) and the home, health and audit-log pages."""
from __future__ import annotations

import json
import logging
from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from app.accounts import queries as account_queries
from app.accounts.auth import agency_admin_required
from app.core.errors import AppError
from app.extensions import db

log = logging.getLogger(__name__)

bp = Blueprint("core", __name__)


# --- helpers shared by every page blueprint --------------------------------------------------------

def apply_form_errors(form, error: AppError, aliases: dict | None = None) -> None:
    """Attach a service error's per-field messages to the matching form fields.

    Messages for fields the form does not have are kept on `form.form_errors`, shown above the form.
    """
    aliases = aliases or {}
    leftovers = []
    for name, messages in (error.fields or {}).items():
        messages = list(messages) if isinstance(messages, (list, tuple)) else [str(messages)]
        field = getattr(form, aliases.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + messages
        else:
            leftovers.extend(messages)
    form.form_errors = list(getattr(form, "form_errors", []) or []) + leftovers


def safe_next(target: str | None) -> str | None:
    """A same-site relative path to go back to after signing in, or None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    return target


def parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@bp.app_context_processor
def navbar_context():
    """What the layout needs, read defensively so an error page can always render."""
    nav = {"signed_in": False}
    try:
        if current_user and current_user.is_authenticated:
            agency = g.get("agency")
            nav = {
                "signed_in": True,
                "name": current_user.name,
                "email": current_user.email,
                "role": current_user.role,
                "role_label": current_user.role_label,
                "is_agency_user": current_user.is_agency_user,
                "is_agency_admin": current_user.is_agency_admin,
                "is_client_admin": current_user.role == "client_admin",
                "agency_name": agency.name if agency is not None else None,
                "client_name": current_user.client.name if current_user.client is not None else None,
            }
    except SQLAlchemyError:  # a failed transaction must not turn the error page into a second error
        log.warning("navbar context unavailable", exc_info=True)
        nav = {"signed_in": False}
    return {"nav": nav}


@bp.app_template_filter("dt")
def format_datetime(value, fmt: str = "%d %b %Y, %H:%M") -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.strftime(fmt) + " UTC"
    return str(value)


@bp.app_template_filter("day")
def format_day(value) -> str:
    return value.strftime("%d %b %Y") if value else "—"


@bp.app_template_filter("ago")
def format_ago(value) -> str:
    if value is None:
        return "never"
    seconds = (datetime.now(timezone.utc) - value).total_seconds()
    if seconds < 60:
        return "just now"
    for size, unit in ((86400 * 365, "year"), (86400 * 30, "month"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


@bp.app_template_filter("compact_json")
def compact_json(value) -> str:
    if not value:
        return ""
    return json.dumps(value, sort_keys=True, separators=(", ", ": "), default=str)


@bp.app_template_global()
def url_with(**changes) -> str:
    """The current page's URL with some query parameters replaced (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


# --- pages -----------------------------------------------------------------------------------------

@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    if current_user.is_agency_admin:
        return render_template("core/home_admin.html", **_admin_dashboard())
    if current_user.role == "staff":
        from app.clients import queries as client_queries

        page = client_queries.list_clients(current_user, status="active", limit=100)
        return render_template("core/home_staff.html", clients=page.items, more=page.next_cursor is not None)
    return render_template("core/home_client.html", client=current_user.client)


def _admin_dashboard() -> dict:
    from app.accounts.models import User
    from tenants.models import Client

    def count(stmt) -> int:
        return db.session.scalar(stmt) or 0

    active = User.deactivated_at.is_(None)
    events, _ = account_queries.audit_events(per_page=8)
    return {
        "active_clients": count(select(func.count()).select_from(Client).where(Client.archived_at.is_(None))),
        "archived_clients": count(select(func.count()).select_from(Client).where(Client.archived_at.is_not(None))),
        "staff_count": count(select(func.count()).select_from(User).where(User.role.in_(("agency_admin", "staff")), active)),
        "client_user_count": count(select(func.count()).select_from(User).where(User.client_id.is_not(None), active)),
        "invited_count": count(select(func.count()).select_from(User).where(User.password_hash.is_(None), active)),
        "staff_without_2fa": count(select(func.count()).select_from(User).where(
            User.role.in_(("agency_admin", "staff")), active, User.totp_enabled_at.is_(None))),
        "events": events,
    }


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("health check failed")
        return jsonify({"status": "error", "database": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.route("/admin/audit")
@agency_admin_required
def audit_log():
    args = request.args
    since_day, until_day = parse_day(args.get("since")), parse_day(args.get("until"))
    try:
        page = max(int(args.get("page", 1)), 1)
    except ValueError:
        page = 1
    filters = {
        "action": (args.get("action") or "").strip() or None,
        "actor": (args.get("actor") or "").strip() or None,
        "target_id": (args.get("target_id") or "").strip() or None,
        "since": datetime.combine(since_day, time.min, tzinfo=timezone.utc) if since_day else None,
        # the "until" day is inclusive: events before the start of the next day
        "until": datetime.combine(until_day + timedelta(days=1), time.min, tzinfo=timezone.utc) if until_day else None,
    }
    events, has_more = account_queries.audit_events(page=page, per_page=50, **filters)
    bad_dates = [name for name in ("since", "until") if args.get(name) and parse_day(args.get(name)) is None]
    filtered = any(filters.values())
    return render_template(
        "core/audit.html", events=events, page=page, has_more=has_more, actions=account_queries.audit_actions(),
        args=args, filtered=filtered, bad_dates=bad_dates,
    ), (422 if bad_dates else 200)
