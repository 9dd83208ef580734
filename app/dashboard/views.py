"""Pages: the role-specific home page and the agency admin's audit-log browser."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from app.accounts.auth import agency_admin_required
from app.core import audit, localtime
from app.core.pages import parse_day
from app.dashboard import queries

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    if current_user.is_agency_admin:
        return render_template("dashboard/home_admin.html", **queries.admin_summary(), sla=queries.sla_strip(current_user))
    if current_user.role == "staff":
        from app.clients import queries as client_queries

        page = client_queries.list_clients(current_user, status="active", limit=100)
        return render_template(
            "dashboard/home_staff.html", clients=page.items, more=page.next_cursor is not None, sla=queries.sla_strip(current_user)
        )
    return redirect(url_for("portal.home"))


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
        # days on the viewer's calendar; the "until" day is inclusive: events before the start of the next day
        "since": localtime.day_start(since_day) if since_day else None,
        "until": localtime.day_start(until_day + timedelta(days=1)) if until_day else None,
    }
    events, has_more = audit.audit_events(page=page, per_page=50, **filters)
    bad_dates = [name for name in ("since", "until") if args.get(name) and parse_day(args.get(name)) is None]
    filtered = any(filters.values())
    return render_template(
        "dashboard/audit.html",
        events=events,
        page=page,
        has_more=has_more,
        actions=audit.audit_actions(),
        args=args,
        filtered=filtered,
        bad_dates=bad_dates,
    ), (422 if bad_dates else 200)
