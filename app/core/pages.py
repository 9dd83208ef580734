"""Helpers shared by every page blueprint: form errors, safe redirects, layout data and template filters.

Dates, times and numbers are formatted by `app.core.localtime` (the `dt`, `day`, `number`... filters).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import UTC, date, datetime

from flask import g, make_response, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.core import dates
from app.core.errors import AppError

log = logging.getLogger(__name__)


def render_page(template: str, status_code: int = 200, /, **context):
    """Render a page with an explicit status: a re-rendered failed form never answers 200."""
    return make_response(render_template(template, **context), status_code)


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
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if dates.in_range(day) else None


HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")
DARK_TEXT = "#212529"


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a `#rrggbb` colour (0 black .. 1 white)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, gr, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * gr + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def accent_palette(colour: str | None) -> dict | None:
    """CSS-safe values for an accent colour: itself, the readable text on it, and a darker hover shade.

    Only a strict lowercase `#rrggbb` passes, so the values can be inlined into a <style> block.
    """
    colour = (colour or "").strip().lower()
    if not HEX_COLOUR.fullmatch(colour):
        return None
    # White text unless dark text reads better on this colour (a light accent).
    text = "#ffffff" if contrast_ratio(colour, "#ffffff") >= contrast_ratio(colour, DARK_TEXT) else DARK_TEXT
    hover = "#" + "".join(f"{int(int(colour[i : i + 2], 16) * 0.85):02x}" for i in (1, 3, 5))
    return {"accent": colour, "text": text, "hover": hover, "dark_text": text != "#ffffff"}


def brand_of(agency) -> dict | None:
    """What the layout shows of an agency's branding: its name, accent colours and logo URL."""
    if agency is None or agency.is_suspended:
        return None
    logo_url = None
    if agency.logo_key:
        version = hashlib.sha256(agency.logo_key.encode()).hexdigest()[:12]  # a new upload is a new URL
        logo_url = url_for("accounts.brand_logo", slug=agency.slug, v=version)
    return {"name": agency.display_name or agency.name, "palette": accent_palette(agency.accent_colour), "logo_url": logo_url}


def navbar_context():
    """What the layout needs, read defensively so an error page can always render."""
    nav = {"signed_in": False}
    try:
        if current_user and current_user.is_authenticated:
            agency = g.get("agency")
            brand = brand_of(agency)
            nav = {
                "signed_in": True,
                "name": current_user.name,
                "email": current_user.email,
                "role": current_user.role,
                "role_label": current_user.role_label,
                "is_agency_user": current_user.is_agency_user,
                "is_agency_admin": current_user.is_agency_admin,
                "is_client_admin": current_user.role == "client_admin",
                "is_client_user": current_user.is_client_user,
                "agency_name": (brand["name"] if brand else agency.name) if agency is not None else None,
                "client_name": current_user.client.name if current_user.client is not None else None,
                "brand": brand,
            }
        else:
            # A signed-out page whose workspace is known (the sign-in pages set g.brand_agency) wears its branding.
            brand = brand_of(g.get("brand_agency"))
            if brand:
                nav = {"signed_in": False, "brand": brand, "agency_name": brand["name"]}
    except SQLAlchemyError:  # a failed transaction must not turn the error page into a second error
        log.warning("navbar context unavailable", exc_info=True)
        nav = {"signed_in": False}
    return {"nav": nav}


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
    app.add_template_filter(format_ago, "ago")
    app.add_template_filter(compact_json, "compact_json")
    app.add_template_global(url_with)
