"""Whose clock and locale: the one resolver of a person's effective time zone and locale, and their settings.

A user's own zone and locale win; NULL inherits. Staff inherit their agency's; client users inherit their
client's zone and their agency's locale (clients have no locale of their own). With nobody signed in (a job, a
signed-out page of a known workspace), the agency's defaults apply, else en-GB and UTC.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import g, has_request_context
from flask_login import current_user

from app.core import audit
from app.core.errors import ValidationFailed
from app.core.localtime import DEFAULT_LOCALE, DEFAULT_ZONE, Viewer, is_locale, is_zone, viewing_as, zone
from tenants.context import current_tenant
from tenants.lookup import agency_by_id
from tenants.models import Agency

ZONE_MESSAGE = "Choose a time zone from the list (an IANA name such as Europe/London)."
LOCALE_MESSAGE = "Choose a format from the list (such as en_GB or en_US)."


def agency_viewer(agency: Agency | None) -> Viewer:
    if agency is None:
        return Viewer(DEFAULT_ZONE, DEFAULT_LOCALE)
    return Viewer(agency.timezone or DEFAULT_ZONE, agency.locale or DEFAULT_LOCALE)


def viewer_of(user) -> Viewer:
    """The effective zone and locale of a user (the only place the inheritance rules live)."""
    inherited = agency_viewer(user.agency)
    client = user.client if user.client_id is not None else None
    default_zone = client.timezone if client is not None and client.timezone else inherited.zone
    return Viewer(user.timezone or default_zone, user.locale or inherited.locale)


def inherited_viewer(user) -> Viewer:
    """What a user gets without a choice of their own (shown as "default" on the account page)."""
    inherited = agency_viewer(user.agency)
    client = user.client if user.client_id is not None else None
    return Viewer(client.timezone if client is not None and client.timezone else inherited.zone, inherited.locale)


def agency_zone(agency_id) -> ZoneInfo:
    """The zone an agency counts its days, weeks and months in (reports, timesheets, "this month")."""
    return zone(agency_viewer(agency_by_id(agency_id)).zone)


def tenant_zone() -> ZoneInfo:
    """The zone of the current tenant's agency (UTC with no tenant): where reports and timesheets cut days."""
    ctx = current_tenant()
    return agency_zone(ctx.agency_id) if ctx is not None else zone(DEFAULT_ZONE)


def current_viewer() -> Viewer | None:
    """The viewer of the current request or job, for Flask-Babel's selectors."""
    if has_request_context() and current_user and current_user.is_authenticated:
        cached = g.get("_viewer_of_user")
        if cached is None or cached[0] != current_user.id:
            cached = g._viewer_of_user = (current_user.id, viewer_of(current_user))
        return cached[1]
    if has_request_context():
        # Signed out: only the workspace known before any form was sent (the sign-in pages' branding). Never the
        # tenant a posted form looked up, or the footer would tell whether a typed workspace exists.
        agency = g.get("brand_agency")
    else:  # a job: its agency
        ctx = current_tenant()
        agency = agency_by_id(ctx.agency_id) if ctx is not None else None
    return agency_viewer(agency) if agency is not None else None


def as_recipient(user):
    """Render a block (an email) on the recipient's clock and in their locale."""
    return viewing_as(viewer_of(user) if user is not None else None)


# --- settings -----------------------------------------------------------------------------------------------------


def _clean(values: dict, *, allow_inherit: bool) -> dict:
    cleaned, errors = {}, {}
    for key, check, message in (("timezone", is_zone, ZONE_MESSAGE), ("locale", is_locale, LOCALE_MESSAGE)):
        if key not in values:
            continue
        value = values[key].strip() if isinstance(values[key], str) else values[key]
        if not value:
            if allow_inherit:
                cleaned[key] = None
            else:
                errors[key] = [message]
        elif not check(value):
            errors[key] = [message]
        else:
            cleaned[key] = value
    if errors:
        raise ValidationFailed("Check the time zone and format.", fields=errors)
    return cleaned


def _locality_after(holder, cleaned: dict) -> dict:
    """The zone and locale `holder` has once `cleaned` is applied, for the audit event."""
    return {key: cleaned.get(key, getattr(holder, key)) for key in ("timezone", "locale")}


def update_user_locality(user, values: dict) -> list[str]:
    """Set a user's own zone and/or locale (empty or None: inherit again). Returns what changed."""
    cleaned = _clean(values, allow_inherit=True)
    changed = audit.record_changes(
        user, cleaned, "user.locality_updated", listed_as="changed", client_id=user.client_id, **_locality_after(user, cleaned)
    )
    if changed:
        g.pop("_viewer_of_user", None)
    return changed


def update_agency_locality(agency: Agency, values: dict) -> list[str]:
    """Set an agency's default zone and locale (both required). Returns what changed."""
    cleaned = _clean(values, allow_inherit=False)
    changed = audit.record_changes(agency, cleaned, "agency.locality_updated", listed_as="changed", **_locality_after(agency, cleaned))
    if changed:
        g.pop("_viewer_of_user", None)
    return changed
