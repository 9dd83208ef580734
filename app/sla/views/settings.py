"""SLA settings pages for agency admins: calendars, policies with their versions and rules, and client holidays."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.accounts.auth import agency_admin_required
from app.clients.queries import client_for
from app.core import localtime
from app.core.errors import AppError
from app.core.pages import apply_form_errors, render_page, safe_next
from app.core.routes import ViewRoutes
from app.core.types import utcnow
from app.sla import services
from app.sla.queries import settings as queries
from app.sla.views.settings_forms import (
    METRIC_LABELS,
    CalendarForm,
    ClientHolidayForm,
    PolicyForm,
    RuleForm,
    attach_hours_errors,
    calendar_choices,
    calendar_values,
    fill_calendar_form,
    hours_rows,
    hours_summary,
    parse_hours_rows,
    parse_target_rows,
    rule_choices,
    target_rows,
)

routes = ViewRoutes()
KIND_LABELS = {"client_and_task_type": "Client and task type", "client": "Client", "task_type": "Task type", "agency_default": "Agency default"}


def _back(default: str):
    return redirect(safe_next(request.form.get("next")) or default, 303)


# --- overview ----------------------------------------------------------------------------------


@routes.route("/admin/sla")
@agency_admin_required
def settings_index():
    status = request.args.get("status") if request.args.get("status") in queries.STATUSES else "active"
    policies = queries.all_policies(status)
    rules = queries.rules()
    rules_by_policy: dict = {}
    for rule in rules:
        rules_by_policy.setdefault(rule.policy_id, []).append(rule)
    today = utcnow().date()
    return render_page(
        "sla/settings_index.html",
        status=status,
        statuses=queries.STATUSES,
        policies=policies,
        versions=queries.current_versions(policies),
        calendars=queries.all_calendars(status),
        calendar_names=queries.calendar_names(),
        used_by=queries.policies_using_calendars(),
        rules=rules,
        rules_by_policy=rules_by_policy,
        rule_labels=queries.rule_labels(rules),
        kind_labels=KIND_LABELS,
        rule_kind=queries.rule_kind,
        all_policies={p.id: p for p in queries.all_policies("all")},
        clients=queries.active_clients(),
        holiday_counts=queries.upcoming_holiday_counts(today),
        hours_summary=hours_summary,
    )


@routes.route("/admin/sla/client-holidays")
@agency_admin_required
def settings_holidays_jump():
    """The no-JavaScript client picker of the overview: go to the chosen client's holidays."""
    if not request.args.get("client_id"):
        flash("Choose a client to see its holidays.", "warning")
        return redirect(url_for("sla.settings_index"))
    client = client_for(current_user, request.args["client_id"])
    return redirect(url_for("sla.settings_client_holidays", client_id=client.id))


# --- calendars ---------------------------------------------------------------------------------


def _save_calendar(calendar=None):
    form = CalendarForm(obj=calendar)
    context = {"form": form, "calendar": calendar}
    if not form.is_submitted():
        if calendar is not None:
            fill_calendar_form(form, calendar)
        else:
            form.timezone.data = "UTC"
        return render_page("sla/settings_calendar_form.html", rows=hours_rows(calendar.hours if calendar else None), **context)
    rows, week, complete = parse_hours_rows(request.form)
    if form.always_open.data:
        for row in rows:
            row["errors"] = []
    valid = form.validate()
    if not valid or not (complete or form.always_open.data):
        error = "Check the weekly hours." if any(row["errors"] for row in rows) else None
        return render_page("sla/settings_calendar_form.html", 422, rows=rows, error=error, **context)
    try:
        values = calendar_values(form, week)
        saved = services.update_calendar(calendar, values) if calendar else services.create_calendar(values)
    except AppError as error:
        fields = dict(error.fields or {})
        leftovers = attach_hours_errors(rows, fields.pop("hours")) if "hours" in fields else []
        apply_form_errors(form, AppError(error.message, fields=fields))
        form.form_errors += leftovers
        message = "Check the weekly hours." if any(row["errors"] for row in rows) or leftovers else error.message
        return render_page("sla/settings_calendar_form.html", error.status, rows=rows, error=message, **context)
    flash(f"Calendar “{saved.name}” {'saved' if calendar else 'created'}.", "success")
    return redirect(url_for("sla.settings_index", _anchor="calendars"))


@routes.route("/admin/sla/calendars/new", methods=["GET", "POST"])
@agency_admin_required
def settings_new_calendar():
    return _save_calendar()


@routes.route("/admin/sla/calendars/<uuid:calendar_id>/edit", methods=["GET", "POST"])
@agency_admin_required
def settings_edit_calendar(calendar_id):
    return _save_calendar(queries.calendar_for(calendar_id))


@routes.route("/admin/sla/calendars/<uuid:calendar_id>/archive", methods=["POST"])
@agency_admin_required
def settings_archive_calendar(calendar_id):
    calendar = queries.calendar_for(calendar_id)
    try:
        services.set_calendar_archived(calendar, True)
    except AppError as error:
        flash(error.message, "danger")
    else:
        flash(f"Calendar “{calendar.name}” archived. Restore it at any time.", "success")
    return redirect(url_for("sla.settings_index", _anchor="calendars"), 303)


@routes.route("/admin/sla/calendars/<uuid:calendar_id>/restore", methods=["POST"])
@agency_admin_required
def settings_restore_calendar(calendar_id):
    calendar = services.set_calendar_archived(queries.calendar_for(calendar_id), False)
    flash(f"Calendar “{calendar.name}” is active again.", "success")
    return redirect(url_for("sla.settings_index", _anchor="calendars"), 303)


# --- policies ----------------------------------------------------------------------------------


def _save_policy(policy=None):
    version = services.current_version(policy) if policy is not None else None
    calendars = queries.all_calendars("all")
    form = PolicyForm(obj=policy)
    calendar_choices(form, calendars, getattr(version, "calendar_id", None))
    context = {
        "form": form,
        "policy": policy,
        "version": version,
        "metric_labels": METRIC_LABELS,
        "has_calendars": any(c.archived_at is None for c in calendars),
    }
    if not form.is_submitted():
        _prefill_policy_form(form, version)
        return render_page("sla/settings_policy_form.html", rows=target_rows(version.targets if version else services.DEFAULT_TARGETS), **context)
    rows, targets, targets_valid = parse_target_rows(request.form)
    if not form.validate() or not targets_valid:
        error = None if targets_valid else "Check the highlighted targets."
        return render_page("sla/settings_policy_form.html", 422, rows=rows, error=error, **context)
    values = {
        "name": form.name.data or "",
        "description": form.description.data or "",
        "calendar_id": form.calendar_id.data,
        "targets": targets,
        "at_risk_percent": form.at_risk_percent.data,
    }
    before = policy.current_version if policy is not None else None
    try:
        saved = services.update_policy(policy, values, current_user) if policy else services.create_policy(values, current_user)
    except AppError as error:
        _show_policy_errors(form, rows, error)
        return render_page("sla/settings_policy_form.html", error.status, rows=rows, error=error.message, **context)
    _flash_policy_saved(saved, created=policy is None, before=before)
    return redirect(url_for("sla.settings_policy", policy_id=saved.id))


def _prefill_policy_form(form, version) -> None:
    """A new form shows the current version's calendar and warning point, or the only calendar there is."""
    if version is not None:
        form.calendar_id.data = str(version.calendar_id)
        form.at_risk_percent.data = version.at_risk_percent
    elif len(form.calendar_id.choices) == 2:
        form.calendar_id.data = form.calendar_id.choices[1][0]


def _show_policy_errors(form, rows: list, error: AppError) -> None:
    """Put a refused policy's messages by its fields: per-target messages in their cells, the rest on the form."""
    fields = dict(error.fields or {})
    target_errors = fields.pop("targets", None)
    if isinstance(target_errors, dict):
        cells = {f"{row['priority']}.{metric}": cell for row in rows for metric, cell in row["cells"].items()}
        for key, messages in target_errors.items():
            if key in cells:
                cells[key]["errors"].extend(messages)
    apply_form_errors(form, AppError(error.message, fields=fields))
    if isinstance(target_errors, list):
        form.form_errors += target_errors


def _flash_policy_saved(saved, *, created: bool, before) -> None:
    if created:
        flash(f"Policy “{saved.name}” created. Next: choose where it applies.", "success")
    elif saved.current_version != before:
        flash(f"Policy “{saved.name}” saved as version {saved.current_version}. Tasks already running keep the version they started with.", "success")
    else:
        flash(f"Policy “{saved.name}” saved.", "success")


def _policy_page(policy, rule_form=None, status: int = 200, error: str | None = None):
    if rule_form is None:
        rule_form = RuleForm(formdata=None)
    rule_choices(rule_form, queries.active_clients(), queries.active_task_types())
    versions = queries.versions_of(policy)
    rules = queries.rules(policy.id)
    return render_page(
        "sla/settings_policy.html",
        status,
        policy=policy,
        version=versions[0] if versions else None,
        versions=versions,
        calendar_names=queries.calendar_names(),
        user_names=queries.user_names(v.created_by_id for v in versions),
        rules=rules,
        rule_labels=queries.rule_labels(rules),
        rule_kind=queries.rule_kind,
        kind_labels=KIND_LABELS,
        rule_form=rule_form,
        rule_error=error,
        metric_labels=METRIC_LABELS,
    )


@routes.route("/admin/sla/policies/new", methods=["GET", "POST"])
@agency_admin_required
def settings_new_policy():
    return _save_policy()


@routes.route("/admin/sla/policies/<uuid:policy_id>")
@agency_admin_required
def settings_policy(policy_id):
    return _policy_page(queries.policy_for(policy_id))


@routes.route("/admin/sla/policies/<uuid:policy_id>/edit", methods=["GET", "POST"])
@agency_admin_required
def settings_edit_policy(policy_id):
    return _save_policy(queries.policy_for(policy_id))


@routes.route("/admin/sla/policies/<uuid:policy_id>/archive", methods=["POST"])
@agency_admin_required
def settings_archive_policy(policy_id):
    policy = services.set_policy_archived(queries.policy_for(policy_id), True)
    flash(f"Policy “{policy.name}” archived: its rules match no new task. Running tasks keep their clocks.", "success")
    return redirect(url_for("sla.settings_policy", policy_id=policy.id), 303)


@routes.route("/admin/sla/policies/<uuid:policy_id>/restore", methods=["POST"])
@agency_admin_required
def settings_restore_policy(policy_id):
    policy = services.set_policy_archived(queries.policy_for(policy_id), False)
    flash(f"Policy “{policy.name}” is active again.", "success")
    return redirect(url_for("sla.settings_policy", policy_id=policy.id), 303)


# --- rules -------------------------------------------------------------------------------------


@routes.route("/admin/sla/policies/<uuid:policy_id>/rules", methods=["POST"])
@agency_admin_required
def settings_set_rule(policy_id):
    policy = queries.policy_for(policy_id)
    form = RuleForm()
    rule_choices(form, queries.active_clients(), queries.active_task_types())
    if not form.validate():
        return _policy_page(policy, form, 422)
    client_id, task_type_id = form.client_id.data or None, form.task_type_id.data or None
    previous = queries.rule_for_match(client_id, task_type_id)
    previous_policy_id = previous.policy_id if previous is not None else None
    try:
        rule = services.set_rule(policy, client_id=client_id, task_type_id=task_type_id)
    except AppError as error:
        apply_form_errors(form, error)
        return _policy_page(policy, form, error.status, error.message)
    label = queries.rule_labels([rule])[rule.id]
    if previous_policy_id is not None and previous_policy_id != policy.id:
        moved_from = queries.policy_for(previous_policy_id).name
        flash(f"{label}: now “{policy.name}” instead of “{moved_from}”.", "success")
    else:
        flash(f"{label}: “{policy.name}” applies.", "success")
    return redirect(url_for("sla.settings_policy", policy_id=policy.id, _anchor="rules"))


@routes.route("/admin/sla/rules/<uuid:rule_id>/remove", methods=["POST"])
@agency_admin_required
def settings_remove_rule(rule_id):
    rule = queries.rule_for(rule_id)
    label, policy_id = queries.rule_labels([rule])[rule.id], rule.policy_id
    services.remove_rule(rule)
    flash(f"Rule removed: {label} falls back to the next matching rule.", "success")
    return _back(url_for("sla.settings_policy", policy_id=policy_id, _anchor="rules"))


# --- client holidays ---------------------------------------------------------------------------


@routes.route("/clients/<uuid:client_id>/holidays", methods=["GET", "POST"])
@agency_admin_required
def settings_client_holidays(client_id):
    client = client_for(current_user, client_id)
    form = ClientHolidayForm()
    status, error = 200, None
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            try:
                holiday = services.add_client_holiday(client, form.day.data, form.name.data)
            except AppError as failure:
                apply_form_errors(form, failure)
                status, error = failure.status, failure.message
            else:
                flash(f"{localtime.format_day(holiday.day)} ({holiday.name}) added: {client.name}'s clocks do not run that day.", "success")
                return redirect(url_for("sla.settings_client_holidays", client_id=client.id))
    today = utcnow().date()
    show_past = request.args.get("show") == "all"
    holidays = queries.client_holidays(client, date_from=None if show_past else today)
    return render_page(
        "sla/settings_client_holidays.html", status, client=client, form=form, error=error, holidays=holidays, show_past=show_past, today=today
    )


@routes.route("/clients/<uuid:client_id>/holidays/<uuid:client_holiday_id>/remove", methods=["POST"])
@agency_admin_required
def settings_remove_client_holiday(client_id, client_holiday_id):
    client = client_for(current_user, client_id)
    holiday = queries.holiday_of(client, client_holiday_id)
    day, name = holiday.day, holiday.name
    services.remove_client_holiday(holiday)
    flash(f"{localtime.format_day(day)} ({name}) removed from {client.name}'s holidays.", "success")
    return redirect(url_for("sla.settings_client_holidays", client_id=client.id), 303)
