"""Demo SLA settings for one agency: office calendars, a standard and a priority policy, rules and client holidays."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.catalog.models import TaskType
from app.extensions import db
from app.sla import services
from app.sla.models import ClientHoliday, SlaCalendar, SlaPolicy
from tenants.models import Client

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OFFICES = {
    "northwind": {
        "name": "London office",
        "timezone": "Europe/London",
        "country": "GB",
        "subdivision": "ENG",
        "hours": {d: [["09:00", "12:30"], ["13:30", "17:30"]] for d in WEEKDAYS},
    },
    "harbor": {
        "name": "Chicago office",
        "timezone": "America/Chicago",
        "country": "US",
        "subdivision": "IL",
        "hours": {d: [["08:00", "17:00"]] for d in WEEKDAYS},
    },
}
PRIORITY_TARGETS = {  # business minutes: tighter promises for the clients who pay for them
    "urgent": {"first_response": 30, "resolution": 4 * 60},
    "high": {"first_response": 60, "resolution": 8 * 60},
    "normal": {"first_response": 4 * 60, "resolution": 16 * 60},
    "low": {"first_response": 8 * 60, "resolution": 32 * 60},
}
PAYROLL_TARGETS = {p: {"first_response": 2 * 60, "resolution": 12 * 60} for p in ("urgent", "high", "normal", "low")}


def _named(model, name: str):
    return db.session.scalar(select(model).where(model.name == name))


def _calendar(values: dict) -> SlaCalendar:
    return _named(SlaCalendar, values["name"]) or services.create_calendar(values)


def seed_sla(slug: str) -> None:
    """Calendars, policies and rules (idempotent): the default, a priority client, and payroll runs 24x7."""
    services.seed_default_sla()
    office = _calendar(OFFICES[slug])
    always = _calendar({"name": "Around the clock", "timezone": "UTC", "hours": "24x7"})
    standard = _named(SlaPolicy, "Standard")
    if standard.current_version == 1:
        services.update_policy(standard, {"calendar_id": office.id, "description": "Response and resolution times for all work, in office hours."})
    priority = _named(SlaPolicy, "Priority clients") or services.create_policy(
        {
            "name": "Priority clients",
            "description": "Faster answers for clients on the premium plan.",
            "calendar_id": office.id,
            "targets": PRIORITY_TARGETS,
            "at_risk_percent": 70,
        }
    )
    payroll = _named(SlaPolicy, "Payroll runs") or services.create_policy(
        {
            "name": "Payroll runs",
            "description": "Payroll is processed around the clock so people are paid on time.",
            "calendar_id": always.id,
            "targets": PAYROLL_TARGETS,
            "at_risk_percent": 80,
        }
    )
    clients = list(db.session.scalars(select(Client).where(Client.archived_at.is_(None)).order_by(Client.name)))
    payroll_type = db.session.scalar(select(TaskType).where(TaskType.name == "Payroll run"))
    if clients:
        services.set_rule(priority, client_id=clients[0].id)
        if not db.session.scalar(select(ClientHoliday.id).where(ClientHoliday.client_id == clients[0].id)):
            services.add_client_holiday(clients[0], date(date.today().year, 12, 24), "Christmas Eve shutdown")
    if payroll_type is not None:
        services.set_rule(payroll, task_type_id=payroll_type.id)
