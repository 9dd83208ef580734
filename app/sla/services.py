"""Writing SLA settings: calendars, client holidays, policies (a new version per change) and their rules."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.catalog.models import TaskType
from app.core import audit, localtime
from app.core.errors import Conflict, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from app.sla import clocks
from app.sla.calendar import BusinessCalendar
from app.sla.models import ClientHoliday, SlaCalendar, SlaPolicy, SlaPolicyVersion, SlaRule
from app.work.models import PRIORITIES
from tenants.lookup import get_in_tenant
from tenants.models import Client

METRICS = ("first_response", "resolution")
MAX_TARGET_MINUTES = 60 * 24 * 366
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]}
# Business minutes per priority: a first response and a resolution (an 8-hour business day).
DEFAULT_TARGETS = {
    "urgent": {"first_response": 60, "resolution": 8 * 60},
    "high": {"first_response": 4 * 60, "resolution": 16 * 60},
    "normal": {"first_response": 8 * 60, "resolution": 24 * 60},
    "low": {"first_response": 16 * 60, "resolution": 40 * 60},
}


# --- calendars -------------------------------------------------------------------------------


def _clean_calendar(values: dict, current: SlaCalendar | None = None) -> dict:
    cleaned = {}
    if "name" in values:
        name = (values.get("name") or "").strip()
        if not name:
            raise ValidationFailed("Give the calendar a name.", fields={"name": ["Required."]})
        cleaned["name"] = name[:100]
    for key in ("timezone", "hours", "holidays", "country", "subdivision"):
        if key in values:
            cleaned[key] = values[key]
    for key in ("country", "subdivision"):
        if key in cleaned:
            cleaned[key] = (cleaned[key] or "").strip().upper() or None
    if "holidays" in cleaned:
        cleaned["holidays"] = sorted({d.isoformat() if isinstance(d, date) else str(d).strip() for d in cleaned["holidays"] or []})
    spec = {key: cleaned.get(key, getattr(current, key, None)) for key in ("timezone", "hours", "holidays", "country", "subdivision")}
    spec["hours"] = spec["hours"] if spec["hours"] is not None else DEFAULT_HOURS
    try:
        BusinessCalendar.from_spec({k: v for k, v in spec.items() if v is not None or k in ("timezone", "hours")})
    except (ValueError, TypeError, KeyError) as error:
        field = next((key for key in ("timezone", "hours", "holidays", "country", "subdivision") if key in str(error).lower()), "hours")
        raise ValidationFailed(f"The calendar is not valid: {error}", fields={field: [str(error)]}) from None
    return cleaned


def _unique_name(model, name: str, exclude_id=None) -> None:
    stmt = select(model.id).where(func.lower(model.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    if db.session.scalar(stmt):
        raise Conflict(f"“{name}” is already in use.", fields={"name": ["Already in use."]})


def create_calendar(values: dict) -> SlaCalendar:
    cleaned = _clean_calendar({"hours": DEFAULT_HOURS, "holidays": [], **values})
    if "name" not in cleaned or not cleaned.get("timezone"):
        raise ValidationFailed(
            "A calendar needs a name and a time zone.", fields={key: ["Required."] for key in ("name", "timezone") if not cleaned.get(key)}
        )
    _unique_name(SlaCalendar, cleaned["name"])
    calendar = SlaCalendar(**cleaned)
    db.session.add(calendar)
    db.session.flush()
    audit.record("sla_calendar.created", calendar, name=calendar.name)
    return calendar


def update_calendar(calendar: SlaCalendar, values: dict) -> SlaCalendar:
    """Edit a calendar. Running clocks pick the change up at their next recomputation; recorded events stay."""
    cleaned = _clean_calendar(values, calendar)
    if "name" in cleaned:
        _unique_name(SlaCalendar, cleaned["name"], exclude_id=calendar.id)
    if audit.record_changes(calendar, cleaned, "sla_calendar.updated"):
        calendar.updated_at = utcnow()
        clocks.forget()
    return calendar


def set_calendar_archived(calendar: SlaCalendar, archived: bool) -> SlaCalendar:
    if archived and calendar.archived_at is None:
        in_use = db.session.scalar(
            select(SlaPolicy.name)
            .join(SlaPolicyVersion, (SlaPolicyVersion.policy_id == SlaPolicy.id) & (SlaPolicyVersion.version == SlaPolicy.current_version))
            .where(SlaPolicyVersion.calendar_id == calendar.id, SlaPolicy.archived_at.is_(None))
        )
        if in_use:
            raise Conflict(f"The policy “{in_use}” uses this calendar; give it another calendar first.")
        calendar.archived_at = utcnow()
        audit.record("sla_calendar.archived", calendar)
    elif not archived and calendar.archived_at is not None:
        calendar.archived_at = None
        audit.record("sla_calendar.restored", calendar)
    return calendar


# --- client holidays ---------------------------------------------------------------------------


def add_client_holiday(client: Client, day: date, name: str) -> ClientHoliday:
    name = (name or "").strip()
    if not isinstance(day, date):
        raise ValidationFailed("Choose a date.", fields={"day": ["Required."]})
    if not name:
        raise ValidationFailed("Name the holiday.", fields={"name": ["Required."]})
    if db.session.scalar(select(ClientHoliday.id).where(ClientHoliday.client_id == client.id, ClientHoliday.day == day)):
        raise Conflict(f"{localtime.format_day(day)} is already a holiday for {client.name}.", fields={"day": ["Already a holiday."]})
    holiday = ClientHoliday(client_id=client.id, day=day, name=name[:100])
    db.session.add(holiday)
    db.session.flush()
    clocks.forget()
    audit.record("sla_client_holiday.added", holiday, client_id=client.id, day=day.isoformat())
    return holiday


def remove_client_holiday(holiday: ClientHoliday) -> None:
    audit.record("sla_client_holiday.removed", holiday, client_id=holiday.client_id, day=holiday.day.isoformat())
    db.session.delete(holiday)
    db.session.flush()
    clocks.forget()


# --- policies ----------------------------------------------------------------------------------


def clean_targets(raw) -> dict:
    """{priority: {metric: business minutes or None}} for the known priorities and metrics."""
    if not isinstance(raw, dict):
        raise ValidationFailed("Give the targets per priority.", fields={"targets": ["Must be an object keyed by priority."]})
    errors, cleaned = {}, {}
    for priority, metrics in raw.items():
        if priority not in PRIORITIES or not isinstance(metrics, dict):
            errors[priority] = [f"Use one of {', '.join(PRIORITIES)}, each with first_response and resolution."]
            continue
        for metric, value in metrics.items():
            if metric not in METRICS:
                errors[f"{priority}.{metric}"] = [f"Use {' or '.join(METRICS)}."]
            elif value in (None, ""):
                continue
            elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TARGET_MINUTES:
                errors[f"{priority}.{metric}"] = [f"A whole number of minutes from 1 to {MAX_TARGET_MINUTES}."]
            else:
                cleaned.setdefault(priority, {})[metric] = value
    if errors:
        raise ValidationFailed("Some targets are not valid.", fields={"targets": errors})
    if not cleaned:
        raise ValidationFailed("Set at least one target.", fields={"targets": ["Required."]})
    return cleaned


def _clean_terms(values: dict, current: SlaPolicyVersion | None) -> dict:
    terms = {
        "calendar_id": values.get("calendar_id", getattr(current, "calendar_id", None)),
        "targets": clean_targets(values["targets"]) if "targets" in values else getattr(current, "targets", None),
        "at_risk_percent": values.get("at_risk_percent", getattr(current, "at_risk_percent", 75)),
    }
    calendar = get_in_tenant(SlaCalendar, terms["calendar_id"]) if terms["calendar_id"] else None
    if calendar is None or calendar.archived_at is not None:
        raise ValidationFailed("Choose an active calendar.", fields={"calendar_id": ["Unknown or archived calendar."]})
    if terms["targets"] is None:
        raise ValidationFailed("Set the targets.", fields={"targets": ["Required."]})
    percent = terms["at_risk_percent"]
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 99:
        raise ValidationFailed("The at-risk threshold is a percentage from 1 to 99.", fields={"at_risk_percent": ["From 1 to 99."]})
    terms["calendar_id"] = calendar.id
    return terms


def current_version(policy: SlaPolicy) -> SlaPolicyVersion:
    return db.session.scalar(
        select(SlaPolicyVersion).where(SlaPolicyVersion.policy_id == policy.id, SlaPolicyVersion.version == policy.current_version)
    )


def create_policy(values: dict, actor=None) -> SlaPolicy:
    name = (values.get("name") or "").strip()
    if not name:
        raise ValidationFailed("Give the policy a name.", fields={"name": ["Required."]})
    _unique_name(SlaPolicy, name)
    terms = _clean_terms(values, None)
    policy = SlaPolicy(name=name[:100], description=(values.get("description") or "").strip() or None, current_version=1)
    db.session.add(policy)
    db.session.flush()
    db.session.add(SlaPolicyVersion(policy_id=policy.id, version=1, created_by_id=getattr(actor, "id", None), **terms))
    db.session.flush()
    audit.record("sla_policy.created", policy, name=policy.name)
    return policy


def update_policy(policy: SlaPolicy, values: dict, actor=None) -> SlaPolicy:
    """Rename or describe in place; new terms make a new version (tasks keep the version they started with)."""
    if "name" in values:
        name = (values.get("name") or "").strip()
        if not name:
            raise ValidationFailed("Give the policy a name.", fields={"name": ["Required."]})
        _unique_name(SlaPolicy, name, exclude_id=policy.id)
        policy.name = name[:100]
    if "description" in values:
        policy.description = (values.get("description") or "").strip() or None
    current = current_version(policy)
    terms = _clean_terms(values, current)
    if any(terms[key] != getattr(current, key) for key in terms):
        policy.current_version += 1
        db.session.add(SlaPolicyVersion(policy_id=policy.id, version=policy.current_version, created_by_id=getattr(actor, "id", None), **terms))
        audit.record("sla_policy.versioned", policy, version=policy.current_version)
    db.session.flush()
    return policy


def set_policy_archived(policy: SlaPolicy, archived: bool) -> SlaPolicy:
    """Archived policies match no new task; running tasks keep their clocks."""
    if archived and policy.archived_at is None:
        policy.archived_at = utcnow()
        audit.record("sla_policy.archived", policy)
    elif not archived and policy.archived_at is not None:
        policy.archived_at = None
        audit.record("sla_policy.restored", policy)
    return policy


# --- rules -------------------------------------------------------------------------------------


def set_rule(policy: SlaPolicy, client_id=None, task_type_id=None) -> SlaRule:
    """Apply a policy to a client and task type, a client, a task type, or (neither) as the agency default.

    A rule for the same match moves to this policy.
    """
    if policy.archived_at is not None:
        raise Conflict("Restore the policy before applying it.")
    client = get_in_tenant(Client, client_id) if client_id else None
    if client_id and client is None:
        raise ValidationFailed("Choose a client.", fields={"client_id": ["Unknown client."]})
    task_type = get_in_tenant(TaskType, task_type_id) if task_type_id else None
    if task_type_id and task_type is None:
        raise ValidationFailed("Choose a task type.", fields={"task_type_id": ["Unknown task type."]})
    key = SlaRule.key_for(getattr(client, "id", None), getattr(task_type, "id", None))
    rule = db.session.scalar(select(SlaRule).where(SlaRule.match_key == key))
    if rule is None:
        rule = SlaRule(policy_id=policy.id, client_id=getattr(client, "id", None), task_type_id=getattr(task_type, "id", None), match_key=key)
        db.session.add(rule)
    else:
        rule.policy_id = policy.id
    db.session.flush()
    audit.record("sla_rule.set", rule, policy_id=str(policy.id), match=key)
    return rule


def remove_rule(rule: SlaRule) -> None:
    audit.record("sla_rule.removed", rule, match=rule.match_key)
    db.session.delete(rule)
    db.session.flush()


def seed_default_sla() -> SlaPolicy:
    """A new agency's office-hours calendar and Standard policy, applied to all its work by default."""
    calendar = db.session.scalar(select(SlaCalendar).where(SlaCalendar.name == "Office hours")) or create_calendar(
        {"name": "Office hours", "timezone": "UTC", "hours": DEFAULT_HOURS}
    )
    policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.name == "Standard")) or create_policy(
        {
            "name": "Standard",
            "description": "Response and resolution times for all work, in business hours.",
            "calendar_id": calendar.id,
            "targets": DEFAULT_TARGETS,
            "at_risk_percent": 75,
        }
    )
    if not db.session.scalar(select(SlaRule.id).where(SlaRule.match_key == SlaRule.key_for(None, None))):
        set_rule(policy)
    return policy
