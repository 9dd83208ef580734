"""Reading SLA settings: calendars, policies with their versions, rules and client holidays, for pages and the API."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import and_, func, or_, select

from app.accounts.models import User
from app.catalog.models import TaskType
from app.core.errors import NotFound, ValidationFailed
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor, keyset_page
from app.extensions import db
from app.sla.models import ClientHoliday, SlaCalendar, SlaPolicy, SlaPolicyVersion, SlaRule
from tenants.lookup import get_or_404, note_foreign_id
from tenants.models import Client

STATUSES = ("active", "archived", "all")
# The order rules are tried in: client and task type, client, task type, agency default.
RULE_KINDS = ("client_and_task_type", "client", "task_type", "agency_default")


def _status(stmt, model, status: str | None):
    if status == "active":
        return stmt.where(model.archived_at.is_(None))
    if status == "archived":
        return stmt.where(model.archived_at.is_not(None))
    return stmt


# --- lookups -----------------------------------------------------------------------------------


def calendar_for(calendar_id) -> SlaCalendar:
    return get_or_404(SlaCalendar, calendar_id)


def policy_for(policy_id) -> SlaPolicy:
    return get_or_404(SlaPolicy, policy_id)


def rule_for(rule_id) -> SlaRule:
    return get_or_404(SlaRule, rule_id)


def holiday_of(client: Client, client_holiday_id) -> ClientHoliday:
    """One of this client's holidays (404 for another client's, like any unknown id)."""
    holiday = get_or_404(ClientHoliday, client_holiday_id)
    if holiday.client_id != client.id:
        note_foreign_id(ClientHoliday, client_holiday_id)
        raise NotFound()
    return holiday


# --- calendars ---------------------------------------------------------------------------------


def list_calendars(*, status: str | None = "active", limit=None, cursor=None) -> Page:
    return keyset_page(_status(select(SlaCalendar), SlaCalendar, status), SlaCalendar.name, SlaCalendar.id, limit=limit, cursor=cursor)


def all_calendars(status: str | None = "all") -> list[SlaCalendar]:
    return list(db.session.scalars(_status(select(SlaCalendar), SlaCalendar, status).order_by(SlaCalendar.name, SlaCalendar.id)))


def calendar_names() -> dict:
    return dict(db.session.execute(select(SlaCalendar.id, SlaCalendar.name)).all())


def policies_using_calendars() -> dict:
    """{calendar id: [names of policies whose current version uses it]}."""
    rows = db.session.execute(
        select(SlaPolicyVersion.calendar_id, SlaPolicy.name)
        .join(SlaPolicy, (SlaPolicy.id == SlaPolicyVersion.policy_id) & (SlaPolicy.current_version == SlaPolicyVersion.version))
        .order_by(SlaPolicy.name)
    )
    used: dict = {}
    for calendar_id, name in rows:
        used.setdefault(calendar_id, []).append(name)
    return used


# --- policies ----------------------------------------------------------------------------------


def list_policies(*, status: str | None = "active", limit=None, cursor=None) -> Page:
    return keyset_page(_status(select(SlaPolicy), SlaPolicy, status), SlaPolicy.name, SlaPolicy.id, limit=limit, cursor=cursor)


def all_policies(status: str | None = "all") -> list[SlaPolicy]:
    return list(db.session.scalars(_status(select(SlaPolicy), SlaPolicy, status).order_by(SlaPolicy.name, SlaPolicy.id)))


def current_versions(policies) -> dict:
    """{policy id: its current SlaPolicyVersion} in one query."""
    wanted = {policy.id: policy.current_version for policy in policies}
    if not wanted:
        return {}
    rows = db.session.scalars(select(SlaPolicyVersion).where(SlaPolicyVersion.policy_id.in_(wanted)))
    return {row.policy_id: row for row in rows if wanted.get(row.policy_id) == row.version}


def versions_of(policy: SlaPolicy) -> list[SlaPolicyVersion]:
    """Every version of the policy, newest first."""
    return list(db.session.scalars(select(SlaPolicyVersion).where(SlaPolicyVersion.policy_id == policy.id).order_by(SlaPolicyVersion.version.desc())))


def user_names(user_ids) -> dict:
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


# --- rules -------------------------------------------------------------------------------------


def rule_kind(rule: SlaRule) -> str:
    if rule.client_id and rule.task_type_id:
        return "client_and_task_type"
    if rule.client_id:
        return "client"
    if rule.task_type_id:
        return "task_type"
    return "agency_default"


def rules(policy_id=None) -> list[SlaRule]:
    """Rules in the order they are tried (then by client and task type id), optionally of one policy."""
    stmt = select(SlaRule)
    if policy_id is not None:
        stmt = stmt.where(SlaRule.policy_id == policy_id)
    found = list(db.session.scalars(stmt.order_by(SlaRule.match_key, SlaRule.id)))
    return sorted(found, key=lambda rule: RULE_KINDS.index(rule_kind(rule)))


def list_rules(*, policy_id=None, limit=None, cursor=None) -> Page:
    stmt = select(SlaRule)
    if policy_id is not None:
        stmt = stmt.where(SlaRule.policy_id == policy_id)
    return keyset_page(stmt, SlaRule.match_key, SlaRule.id, limit=limit, cursor=cursor)


def rule_for_match(client_id, task_type_id) -> SlaRule | None:
    return db.session.scalar(select(SlaRule).where(SlaRule.match_key == SlaRule.key_for(client_id, task_type_id)))


def rule_labels(found: list[SlaRule]) -> dict:
    """{rule id: "Client · Task type" | "Client" | "Task type" | "Agency default"} for display."""
    clients = (
        dict(db.session.execute(select(Client.id, Client.name).where(Client.id.in_({rule.client_id for rule in found if rule.client_id}))).all())
        if found
        else {}
    )
    types = (
        dict(
            db.session.execute(
                select(TaskType.id, TaskType.name).where(TaskType.id.in_({rule.task_type_id for rule in found if rule.task_type_id}))
            ).all()
        )
        if found
        else {}
    )
    labels = {}
    for rule in found:
        parts = []
        if rule.client_id:
            parts.append(clients.get(rule.client_id, "Unknown client"))
        if rule.task_type_id:
            parts.append(
                f"{types.get(rule.task_type_id, 'Unknown task type')} tasks"
                if not rule.client_id
                else types.get(rule.task_type_id, "Unknown task type")
            )
        labels[rule.id] = " · ".join(parts) if parts else "Agency default (all other work)"
    return labels


def active_clients() -> list[Client]:
    return list(db.session.scalars(select(Client).where(Client.archived_at.is_(None)).order_by(Client.name, Client.id)))


def active_task_types() -> list[TaskType]:
    return list(db.session.scalars(select(TaskType).where(TaskType.archived_at.is_(None)).order_by(TaskType.name, TaskType.id)))


# --- client holidays ---------------------------------------------------------------------------


def _holidays(client: Client, date_from: date | None, date_to: date | None):
    stmt = select(ClientHoliday).where(ClientHoliday.client_id == client.id)
    if date_from is not None:
        stmt = stmt.where(ClientHoliday.day >= date_from)
    if date_to is not None:
        stmt = stmt.where(ClientHoliday.day <= date_to)
    return stmt


def client_holidays(client: Client, *, date_from: date | None = None, date_to: date | None = None) -> list[ClientHoliday]:
    return list(db.session.scalars(_holidays(client, date_from, date_to).order_by(ClientHoliday.day)))


def list_client_holidays(client: Client, *, date_from: date | None = None, date_to: date | None = None, limit=None, cursor=None) -> Page:
    """Keyset pages by (day, id); the cursor carries the day as an ISO date."""
    stmt = _holidays(client, date_from, date_to)
    limit = min(max(int(limit or DEFAULT_LIMIT), 1), MAX_LIMIT)
    if cursor:
        day, last_id = decode_cursor(cursor)
        try:
            day, last_id = date.fromisoformat(day), uuid.UUID(last_id)
        except (TypeError, ValueError, AttributeError):
            raise ValidationFailed("The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]}) from None
        stmt = stmt.where(or_(ClientHoliday.day > day, and_(ClientHoliday.day == day, ClientHoliday.id > last_id)))
    found = list(db.session.scalars(stmt.order_by(ClientHoliday.day, ClientHoliday.id).limit(limit + 1)))
    if len(found) <= limit:
        return Page(found, None)
    found = found[:limit]
    return Page(found, encode_cursor([found[-1].day.isoformat(), found[-1].id]))


def upcoming_holiday_counts(today: date) -> dict:
    """{client id: number of its own holidays from today on}."""
    return dict(
        db.session.execute(select(ClientHoliday.client_id, func.count()).where(ClientHoliday.day >= today).group_by(ClientHoliday.client_id)).all()
    )
