"""Helpers shared by every page blueprint: form errors, safe redirects, layout data and template filters."""
from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime

from flask import g, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import AppError

log = logging.getLogger(__name__)

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


def format_datetime(value, fmt: str = "%d %b %Y, %H:%M") -> str:
    if value is None:
        return "—"
    if isinstance(value, str):  # instants kept in JSON (timeline details) are ISO strings
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime(fmt) + " UTC"
    return str(value)


def format_day(value) -> str:
    return value.strftime("%d %b %Y") if value else "—"


def format_ago(value) -> str:
    if value is None:
        return "never"
    seconds = (datetime.now(UTC) - value).total_seconds()
    if seconds < 60:
        return "just now"
    for size, unit in ((86400 * 365, "year"), (86400 * 30, "month"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def compact_json(value) -> str:
    if not value:
        return ""
    return json.dumps(value, sort_keys=True, separators=(", ", ": "), default=str)


def url_with(**changes) -> str:
    """The current page's URL with some query parameters replaced (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app) -> None:
    app.context_processor(navbar_context)
    app.add_template_filter(format_datetime, "dt")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_ago, "ago")
    app.add_template_filter(compact_json, "compact_json")
    app.add_template_global(url_with)
