"""JSON endpoints for SLA settings: calendars, versioned policies, the rules that apply them, and client holidays."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from app.accounts.auth import agency_admin_required, agency_user_required
from app.clients.queries import client_for
from app.core.api import Blueprint
from app.core.errors import ValidationFailed
from app.sla import services
from app.sla.models import SlaPolicy, SlaRule
from app.sla.queries import settings as queries
from app.sla.schemas.settings import (
    SlaCalendarIn,
    SlaCalendarOut,
    SlaCalendarPageOut,
    SlaCalendarUpdateIn,
    SlaClientHolidayArgs,
    SlaClientHolidayIn,
    SlaClientHolidayOut,
    SlaClientHolidayPageOut,
    SlaPolicyIn,
    SlaPolicyOut,
    SlaPolicyPageOut,
    SlaPolicyUpdateIn,
    SlaRuleArgs,
    SlaRuleIn,
    SlaRuleOut,
    SlaRulePageOut,
    SlaStatusArgs,
    public_holiday_errors,
)
from tenants.lookup import get_in_tenant

blp = Blueprint(
    "sla_settings_api",
    __name__,
    url_prefix="/api/v1/sla",
    description="SLA settings: business calendars, versioned policies, the rules that apply them, client holidays",
)


# --- output shapes -----------------------------------------------------------------------------


def _rule_out(rule: SlaRule) -> dict:
    return {
        "id": rule.id,
        "policy_id": rule.policy_id,
        "client_id": rule.client_id,
        "task_type_id": rule.task_type_id,
        "applies_to": queries.rule_kind(rule),
        "created_at": rule.created_at,
    }


def _policy_summary(policy: SlaPolicy, version) -> dict:
    return {
        "id": policy.id,
        "name": policy.name,
        "description": policy.description,
        "current_version": policy.current_version,
        "calendar_id": getattr(version, "calendar_id", None),
        "targets": getattr(version, "targets", None) or {},
        "at_risk_percent": getattr(version, "at_risk_percent", None),
        "archived": policy.archived_at is not None,
        "archived_at": policy.archived_at,
        "created_at": policy.created_at,
    }


def _policy_out(policy: SlaPolicy) -> dict:
    return {
        **_policy_summary(policy, services.current_version(policy)),
        "versions": queries.versions_of(policy),
        "rules": [_rule_out(rule) for rule in queries.rules(policy.id)],
    }


def _check_public_holidays(data: dict, calendar=None) -> None:
    country = data["country"] if "country" in data else getattr(calendar, "country", None)
    subdivision = data["subdivision"] if "subdivision" in data else getattr(calendar, "subdivision", None)
    errors = public_holiday_errors(country, subdivision)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)


# --- calendars ---------------------------------------------------------------------------------


@blp.route("/calendars")
class Calendars(MethodView):
    @agency_user_required
    @blp.arguments(SlaStatusArgs, location="query")
    @blp.response(200, SlaCalendarPageOut)
    def get(self, args):
        """Business calendars by name (status: active, archived or all)."""
        page = queries.list_calendars(**args)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @agency_admin_required
    @blp.arguments(SlaCalendarIn)
    @blp.response(201, SlaCalendarOut)
    def post(self, data):
        """Create a calendar: a time zone, weekly opening hours, custom holidays and a country's public holidays."""
        _check_public_holidays(data)
        return services.create_calendar(data)


@blp.route("/calendars/<uuid:calendar_id>")
class CalendarItem(MethodView):
    @agency_user_required
    @blp.response(200, SlaCalendarOut)
    def get(self, calendar_id):
        """One calendar."""
        return queries.calendar_for(calendar_id)

    @agency_admin_required
    @blp.arguments(SlaCalendarUpdateIn)
    @blp.response(200, SlaCalendarOut)
    def patch(self, data, calendar_id):
        """Edit a calendar; running clocks follow it from their next recomputation."""
        calendar = queries.calendar_for(calendar_id)
        _check_public_holidays(data, calendar)
        return services.update_calendar(calendar, data)


@blp.route("/calendars/<uuid:calendar_id>/archive", methods=["POST"])
@agency_admin_required
@blp.response(200, SlaCalendarOut)
def archive_calendar(calendar_id):
    """Archive a calendar no active policy uses (409 otherwise)."""
    return services.set_calendar_archived(queries.calendar_for(calendar_id), True)


@blp.route("/calendars/<uuid:calendar_id>/restore", methods=["POST"])
@agency_admin_required
@blp.response(200, SlaCalendarOut)
def restore_calendar(calendar_id):
    """Restore an archived calendar."""
    return services.set_calendar_archived(queries.calendar_for(calendar_id), False)


# --- policies ----------------------------------------------------------------------------------


@blp.route("/policies")
class Policies(MethodView):
    @agency_user_required
    @blp.arguments(SlaStatusArgs, location="query")
    @blp.response(200, SlaPolicyPageOut)
    def get(self, args):
        """Policies by name with their current terms (status: active, archived or all)."""
        page = queries.list_policies(**args)
        versions = queries.current_versions(page.items)
        return {"items": [_policy_summary(policy, versions.get(policy.id)) for policy in page.items], "next_cursor": page.next_cursor}

    @agency_admin_required
    @blp.arguments(SlaPolicyIn)
    @blp.response(201, SlaPolicyOut)
    def post(self, data):
        """Create a policy (version 1): a calendar, targets per priority in business minutes, an at-risk threshold."""
        return _policy_out(services.create_policy(data, current_user))


@blp.route("/policies/<uuid:policy_id>")
class PolicyItem(MethodView):
    @agency_user_required
    @blp.response(200, SlaPolicyOut)
    def get(self, policy_id):
        """One policy: its current terms, every version and the rules that apply it."""
        return _policy_out(queries.policy_for(policy_id))

    @agency_admin_required
    @blp.arguments(SlaPolicyUpdateIn)
    @blp.response(200, SlaPolicyOut)
    def patch(self, data, policy_id):
        """Rename or describe in place; changed terms make a new version (running tasks keep theirs)."""
        return _policy_out(services.update_policy(queries.policy_for(policy_id), data, current_user))


@blp.route("/policies/<uuid:policy_id>/archive", methods=["POST"])
@agency_admin_required
@blp.response(200, SlaPolicyOut)
def archive_policy(policy_id):
    """Archive a policy: its rules match no new task; running tasks keep their clocks."""
    return _policy_out(services.set_policy_archived(queries.policy_for(policy_id), True))


@blp.route("/policies/<uuid:policy_id>/restore", methods=["POST"])
@agency_admin_required
@blp.response(200, SlaPolicyOut)
def restore_policy(policy_id):
    """Restore an archived policy."""
    return _policy_out(services.set_policy_archived(queries.policy_for(policy_id), False))


# --- rules -------------------------------------------------------------------------------------


@blp.route("/rules")
class Rules(MethodView):
    @agency_user_required
    @blp.arguments(SlaRuleArgs, location="query")
    @blp.response(200, SlaRulePageOut)
    def get(self, args):
        """Rules: which policy applies to a client and task type, a client, a task type, or by default."""
        page = queries.list_rules(**args)
        return {"items": [_rule_out(rule) for rule in page.items], "next_cursor": page.next_cursor}

    @agency_admin_required
    @blp.arguments(SlaRuleIn)
    @blp.response(201, SlaRuleOut)
    def post(self, data):
        """Apply a policy; without client and task type it is the agency default. A rule for the same match moves."""
        policy = get_in_tenant(SlaPolicy, data["policy_id"])
        if policy is None:
            raise ValidationFailed("Choose a policy.", fields={"policy_id": ["Unknown policy."]})
        return _rule_out(services.set_rule(policy, client_id=data["client_id"], task_type_id=data["task_type_id"]))


@blp.route("/rules/<uuid:rule_id>", methods=["DELETE"])
@agency_admin_required
@blp.response(204)
def delete_rule(rule_id):
    """Remove a rule; matching work falls back to the next rule in order (or runs no clock)."""
    services.remove_rule(queries.rule_for(rule_id))


# --- client holidays ---------------------------------------------------------------------------


@blp.route("/clients/<uuid:client_id>/holidays")
class ClientHolidays(MethodView):
    @agency_user_required
    @blp.arguments(SlaClientHolidayArgs, location="query")
    @blp.response(200, SlaClientHolidayPageOut)
    def get(self, args, client_id):
        """The client's own holidays by date (filter with from and to)."""
        page = queries.list_client_holidays(client_for(current_user, client_id), **args)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @agency_admin_required
    @blp.arguments(SlaClientHolidayIn)
    @blp.response(201, SlaClientHolidayOut)
    def post(self, data, client_id):
        """Add a day the client is closed: its tasks' clocks do not run on it (409 when already a holiday)."""
        return services.add_client_holiday(client_for(current_user, client_id), data.get("day"), data["name"])


@blp.route("/clients/<uuid:client_id>/holidays/<uuid:client_holiday_id>", methods=["DELETE"])
@agency_admin_required
@blp.response(204)
def delete_client_holiday(client_id, client_holiday_id):
    """Remove one of the client's holidays."""
    services.remove_client_holiday(queries.holiday_of(client_for(current_user, client_id), client_holiday_id))
