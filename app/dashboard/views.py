"""Pages: the role-specific home page and the agency admin's audit-log browser."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.auth import agency_admin_required
from app.core import audit, localtime
from app.core.pages import parse_day
from app.extensions import db

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    if current_user.is_agency_admin:
        return render_template("dashboard/home_admin.html", **_admin_dashboard(), sla=_sla_strip())
    if current_user.role == "staff":
        from app.clients import queries as client_queries

        page = client_queries.list_clients(current_user, status="active", limit=100)
        return render_template("dashboard/home_staff.html", clients=page.items, more=page.next_cursor is not None, sla=_sla_strip())
    return redirect(url_for("portal.home"))


def _sla_strip() -> dict:
    """The SLA state of the user's open work and (admins) of every open task, for the home page."""
    from app.work.queries.lists import sla_counts

    strip = {"mine": sla_counts(current_user, "my_work")}
    if current_user.is_agency_admin:
        strip["all"] = sla_counts(current_user, "tasks")
    return strip


def _admin_dashboard() -> dict:
    from app.accounts.models import User
    from tenants.models import Client

    def count(stmt) -> int:
        return db.session.scalar(stmt) or 0

    active = User.deactivated_at.is_(None)
    events, _ = audit.audit_events(per_page=8)
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
        "dashboard/audit.html", events=events, page=page, has_more=has_more, actions=audit.audit_actions(),
        args=args, filtered=filtered, bad_dates=bad_dates,
    ), (422 if bad_dates else 200)
