"""Agency provisioning: creating, suspending and resuming agencies (platform operator work, through the CLI)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts import services as accounts
from app.catalog.services import seed_default_catalog
from app.core.errors import Conflict, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from app.sla.services import seed_default_sla
from tenants.context import TenantContext, tenant_scope
from tenants.models import Agency

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_SLUGS = {"www", "api", "admin", "app", "static", "mail"}


def validate_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise ValidationFailed(
            "A workspace slug uses lowercase letters, digits and hyphens (1-63 characters).",
            fields={"slug": ["Not a valid slug."]},
        )
    return slug


def create_agency(name: str, slug: str, admin_email: str, admin_name: str | None = None):
    """Create an agency, its first admin and invitation, its default catalog and SLA policy. Returns (agency, admin, invitation)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("An agency needs a name.", fields={"name": ["Required."]})
    slug = validate_slug(slug)
    if db.session.scalar(select(Agency.id).where(Agency.slug == slug)):
        raise Conflict(f"The workspace '{slug}' already exists.", fields={"slug": ["Already taken."]})
    agency = Agency(name=name, slug=slug)
    db.session.add(agency)
    db.session.flush()
    with tenant_scope(TenantContext(agency_id=agency.id, role="platform")):
        admin, invitation = accounts.invite_user(
            email=admin_email,
            name=admin_name or admin_email.split("@")[0],
            role="agency_admin",
            invited_by=None,
            send_email=False,
        )
        seed_default_catalog()
        seed_default_sla()
        db.session.flush()
    return agency, admin, invitation


def set_suspended(slug: str, suspended: bool) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
    if agency is None:
        raise ValidationFailed(f"No agency with slug '{slug}'.")
    agency.suspended_at = utcnow() if suspended else None
    return agency
