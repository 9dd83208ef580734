"""The demo data set: two agencies with staff, clients and client users, created idempotently."""

from __future__ import annotations

import random

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.accounts.services import invite_user
from app.catalog.models import ServiceLine
from app.catalog.services import add_client_service, seed_default_catalog
from app.clients.models import ClientStaff
from app.core import jobs
from app.demo.approvals import seed_approvals
from app.demo.sla import seed_sla
from app.demo.work import seed_work
from app.extensions import db
from tenants.context import TenantContext, tenant_scope
from tenants.models import Agency, Client

DEMO_PASSWORD = "backline-demo"
# The service lines (by code) each demo client buys.
CLIENT_SERVICES = {
    "Acme Bakery": ("BK", "PR"),
    "Bluebird Logistics": ("BK", "PR", "CP"),
    "Cedar Dental": ("PR", "RC", "CP"),
    "Delta Robotics": ("BK", "RC"),
    "Evergreen Cafe": ("BK", "CP"),
    "Foxglove Studio": ("BK", "PR", "CP"),
    "Granite Builders": ("PR", "RC", "CP"),
    "Juniper Health": ("BK", "PR", "RC", "CP"),
}

AGENCIES = [
    {
        "slug": "northwind",
        "name": "Northwind Back Office",
        "domain": "northwind.example",
        "display_name": "Northwind",
        "accent_colour": "#1f6f5c",
        "timezone": "Europe/London",
        "locale": "en_GB",
        "staff": [
            ("Olivia Admin", "admin", "agency_admin"),
            ("Sam Ledger", "sam", "staff"),
            ("Priya Payroll", "priya", "staff"),
            ("Tom Talent", "tom", "staff"),
        ],
        "clients": [
            ("Acme Bakery", "acme.example", "Europe/London", ["sam", "priya"]),
            ("Bluebird Logistics", "bluebird.example", "Europe/London", ["sam"]),
            ("Cedar Dental", "cedar.example", "Europe/Dublin", ["priya", "tom"]),
            ("Delta Robotics", "delta.example", "America/New_York", ["tom"]),
        ],
    },
    {
        "slug": "harbor",
        "name": "Harbor Outsourcing",
        "domain": "harbor.example",
        "display_name": "Harbor",
        "accent_colour": "#8a3b12",
        "timezone": "America/New_York",
        "locale": "en_US",
        "staff": [
            ("Hana Admin", "admin", "agency_admin"),
            ("Leo Books", "leo", "staff"),
            ("Mia Filings", "mia", "staff"),
            ("Noah Hiring", "noah", "staff"),
        ],
        "clients": [
            ("Evergreen Cafe", "evergreen.example", "America/New_York", ["leo"]),
            ("Foxglove Studio", "foxglove.example", "America/Chicago", ["leo", "mia"]),
            ("Granite Builders", "granite.example", "America/Denver", ["mia"]),
            ("Juniper Health", "juniper.example", "America/Los_Angeles", ["noah"]),
        ],
    },
]


def _user(email: str, name: str, role: str, client_id=None) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, role=role, client_id=client_id, password_hash=hash_password(DEMO_PASSWORD))
        db.session.add(user)
        db.session.flush()
    return user


def seed() -> list[str]:
    """Create what is missing; existing rows are left as they are."""
    lines = []
    for spec in AGENCIES:
        agency = _agency(spec)
        with tenant_scope(TenantContext(agency_id=agency.id, role="platform")):
            seed_default_catalog()
            staff = {local: _user(f"{local}@{spec['domain']}", name, role) for name, local, role in spec["staff"]}
            _seed_clients(spec, staff)
            seed_sla(spec["slug"])
            made = seed_work(staff, random.Random(spec["slug"]))
            seed_approvals(staff["admin"])
            if made:
                lines.append(f"Demo agency '{spec['slug']}': {made} tasks, with comments, files, time and schedules.")
            _invite_new_starter(spec, staff["admin"])
            db.session.flush()
        lines.append(f"Demo agency '{spec['slug']}' ready: sign in as admin@{spec['domain']} / {DEMO_PASSWORD}")
    # The seeded history raised notifications; they stay in the app, but no email goes out for made-up events.
    jobs.discard_pending()
    db.session.commit()
    return lines


def _agency(spec: dict) -> Agency:
    """The demo agency, created if missing, with the demo branding and local time unless it has its own."""
    agency = db.session.scalar(select(Agency).where(Agency.slug == spec["slug"]))
    if agency is None:
        agency = Agency(slug=spec["slug"], name=spec["name"])
        db.session.add(agency)
        db.session.flush()
    # Only while the agency has no branding of its own, so seeding again never overrides an admin's choice.
    if agency.display_name is None and agency.accent_colour is None:
        agency.display_name, agency.accent_colour = spec["display_name"], spec["accent_colour"]
    # Likewise the local time: only while the agency still has the built-in defaults.
    if (agency.timezone, agency.locale) in (("UTC", "en_GB"), (None, None)):
        agency.timezone, agency.locale = spec["timezone"], spec["locale"]
    return agency


def _seed_clients(spec: dict, staff: dict) -> None:
    """Each demo client with its two users, its services and the staff who serve it."""
    lines_by_code = {line.code: line for line in db.session.scalars(select(ServiceLine))}
    for client_name, domain, zone, served_by in spec["clients"]:
        client = db.session.scalar(select(Client).where(Client.name == client_name))
        if client is None:
            client = Client(name=client_name, legal_name=f"{client_name} Ltd", timezone=zone, contact_email=f"office@{domain}")
            db.session.add(client)
            db.session.flush()
        first = client_name.split()[0].lower()
        _user(f"{first}.admin@{domain}", f"{client_name.split()[0]} Owner", "client_admin", client.id)
        _user(f"{first}.member@{domain}", f"{client_name.split()[0]} Clerk", "client_member", client.id)
        for code in CLIENT_SERVICES.get(client_name, ()):
            if code in lines_by_code and lines_by_code[code].archived_at is None:
                add_client_service(client, lines_by_code[code].id)
        for local in served_by:
            exists = db.session.scalar(select(ClientStaff.id).where(ClientStaff.client_id == client.id, ClientStaff.user_id == staff[local].id))
            if not exists:
                db.session.add(ClientStaff(client_id=client.id, user_id=staff[local].id))


def _invite_new_starter(spec: dict, admin: User) -> None:
    """One pending invitation per agency, so the Users page shows the invited state."""
    invitee = f"new.starter@{spec['domain']}"
    if db.session.scalar(select(User.id).where(User.email == invitee)) is None:
        invite_user(email=invitee, name="New Starter", role="staff", invited_by=admin, send_email=False)
