"""`flask tenants`: the platform operator's commands for agencies (create, list, suspend, resume)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.services import invitation_url
from app.agencies.services import create_agency, set_suspended
from app.core.errors import AppError
from app.extensions import db
from tenants.context import TenantContext, tenant_scope
from tenants.models import Agency

tenants_cli = AppGroup("tenants", help="Create, list, suspend and resume agencies.")


def _fail(error: AppError):
    db.session.rollback()
    raise click.ClickException(error.message)


@tenants_cli.command("create-agency")
@click.argument("name")
@click.option("--slug", required=True, help="Workspace name used at sign-in (and as subdomain).")
@click.option("--admin-email", required=True, help="Email of the agency's first admin.")
@click.option("--admin-name", default=None)
def create_agency_command(name, slug, admin_email, admin_name):
    """Create an agency and print a one-time link for its first admin."""
    try:
        agency, admin, invitation = create_agency(name, slug, admin_email, admin_name)
        # Read everything before the commit: afterwards the rows belong to no tenant of this session.
        lines = [
            f"Created agency {agency.name} (workspace '{agency.slug}', id {agency.id}).",
            f"One-time sign-up link for {admin.email} (valid until {invitation.expires_at:%Y-%m-%d %H:%M} UTC):",
            invitation_url(invitation),
        ]
        db.session.commit()
    except AppError as error:
        _fail(error)
    for line in lines:
        click.echo(line)


@tenants_cli.command("list")
def list_command():
    """List agencies with their status and user counts."""
    agencies = db.session.scalars(select(Agency).order_by(Agency.slug)).all()
    if not agencies:
        click.echo("No agencies yet. Create one with: flask tenants create-agency NAME --slug SLUG --admin-email EMAIL")
        return
    click.echo(f"{'slug':<24} {'status':<10} {'users':>5}  name")
    for agency in agencies:
        with tenant_scope(TenantContext(agency_id=agency.id, role="platform")):
            users = db.session.scalar(select(func.count()).select_from(User)) or 0
        status = "suspended" if agency.is_suspended else "active"
        click.echo(f"{agency.slug:<24} {status:<10} {users:>5}  {agency.name}")


def _set_suspended(slug: str, suspended: bool):
    try:
        agency = set_suspended(slug, suspended)
        db.session.commit()
    except AppError as error:
        _fail(error)
    click.echo(f"Agency '{agency.slug}' is now {'suspended' if suspended else 'active'}.")


@tenants_cli.command("suspend")
@click.argument("slug")
def suspend_command(slug):
    """Suspend an agency: its users cannot sign in and its jobs do nothing."""
    _set_suspended(slug, True)


@tenants_cli.command("resume")
@click.argument("slug")
def resume_command(slug):
    """Resume a suspended agency."""
    _set_suspended(slug, False)
