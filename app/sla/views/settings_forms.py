"""The SLA settings forms: calendar (a no-JavaScript weekly hours grid), policy (targets in hours) and client holiday."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, DecimalException

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.core import dates
from app.sla.schemas.settings import public_holiday_errors, timezone_error
from app.sla.services import DEFAULT_HOURS, MAX_TARGET_MINUTES, METRICS, WEEKDAYS
from app.work.models import PRIORITIES

DAY_LABELS = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True))
METRIC_LABELS = {"first_response": "First response", "resolution": "Resolution"}
MIN_SLOTS = 2
MAX_SLOTS = 6
_LOOSE_TIME = re.compile(r"^(\d{1,2})(?::?(\d{2}))?$")
_DAY_IN_ERROR = re.compile(r"hours\['(\w+)'\]:?\s*")


# --- calendar ----------------------------------------------------------------------------------


class CalendarForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("A calendar needs a name."), Length(max=100)], description="Such as “London office” or “Support 24x7”."
    )
    timezone = StringField(
        "Time zone",
        validators=[DataRequired("Choose a time zone.")],
        render_kw={"list": "timezones", "autocomplete": "off", "spellcheck": "false"},
        description="An IANA zone name such as Europe/London or America/New_York: opening hours are in local time.",
    )
    always_open = BooleanField("Open around the clock (24x7)", description="Every minute counts; the weekly hours below are ignored.")
    holidays = TextAreaField(
        "Custom holidays",
        render_kw={"rows": 5, "placeholder": "2026-12-24\n2026-12-31"},
        description="Days the whole agency is closed, one date (YYYY-MM-DD) per line.",
    )
    country = StringField(
        "Public holidays of",
        validators=[Optional(), Length(max=8)],
        render_kw={"placeholder": "GB"},
        description="A country code such as GB, US or DE: its public holidays are closed days. Leave empty for none.",
    )
    subdivision = StringField(
        "Region",
        validators=[Optional(), Length(max=16)],
        render_kw={"placeholder": "ENG"},
        description="Optional subdivision code, such as ENG (England) or NY (New York).",
    )

    def validate_timezone(self, field):
        message = timezone_error((field.data or "").strip())
        if message:
            raise ValidationError(message)

    def validate_holidays(self, field):
        bad = [line for line in holiday_lines(field.data) if not _iso_date(line)]
        if bad:
            raise ValidationError(f"Not dates (use YYYY-MM-DD): {', '.join(bad[:5])}.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, messages in public_holiday_errors(self.country.data, self.subdivision.data).items():
            getattr(self, name).errors = list(getattr(self, name).errors) + messages
            valid = False
        return valid


def holiday_lines(text: str | None) -> list[str]:
    return [part.strip() for line in (text or "").splitlines() for part in line.split(",") if part.strip()]


def _iso_date(value: str) -> date | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if dates.in_range(day) else None


def calendar_values(form: CalendarForm, hours) -> dict:
    return {
        "name": form.name.data or "",
        "timezone": (form.timezone.data or "").strip(),
        "hours": "24x7" if form.always_open.data else hours,
        "holidays": [_iso_date(line) for line in holiday_lines(form.holidays.data)],
        "country": form.country.data or None,
        "subdivision": form.subdivision.data or None,
    }


def fill_calendar_form(form: CalendarForm, calendar) -> None:
    form.always_open.data = isinstance(calendar.hours, str)
    form.holidays.data = "\n".join(calendar.holidays or [])


def hours_rows(hours=None) -> list[dict]:
    """The weekly grid: one row per weekday with at least MIN_SLOTS [open, close] slots (blank when closed)."""
    week = hours if isinstance(hours, dict) else DEFAULT_HOURS
    slots = min(max([MIN_SLOTS, *(len(v) for v in week.values() if isinstance(v, list))]), MAX_SLOTS)
    rows = []
    for day in WEEKDAYS:
        intervals = [list(pair) for pair in week.get(day) or [] if isinstance(pair, list | tuple) and len(pair) == 2]
        intervals += [["", ""]] * (slots - len(intervals))
        rows.append({"day": day, "label": DAY_LABELS[day], "slots": intervals[:slots], "errors": []})
    return rows


def _normal_time(value: str) -> str:
    """`9`, `9:00` or `0900` as `09:00`; anything else is left for the calendar to refuse by name."""
    match = _LOOSE_TIME.match(value)
    return f"{int(match[1]):02d}:{match[2] or '00'}" if match else value


def parse_hours_rows(data) -> tuple[list[dict], dict, bool]:
    """The grid as posted (for re-rendering), the weekday map it means, and whether every row is complete."""
    raw = data.get("hours_slots") or ""
    slots = min(max(int(raw) if raw.isdigit() else MIN_SLOTS, MIN_SLOTS), MAX_SLOTS)
    rows, week, complete = [], {}, True
    for day in WEEKDAYS:
        row = {"day": day, "label": DAY_LABELS[day], "slots": [], "errors": []}
        for index in range(slots):
            opens = (data.get(f"hours-{day}-{index}-open") or "").strip()[:8]
            closes = (data.get(f"hours-{day}-{index}-close") or "").strip()[:8]
            row["slots"].append([opens, closes])
            if not opens and not closes:
                continue
            if not (opens and closes):
                row["errors"].append(f"Interval {index + 1}: give both an opening and a closing time.")
                complete = False
                continue
            week.setdefault(day, []).append([_normal_time(opens), _normal_time(closes)])
        rows.append(row)
    return rows, week, complete


def attach_hours_errors(rows: list[dict], messages) -> list[str]:
    """Put the calendar's messages about a weekday on that weekday's row; return the others."""
    by_day = {row["day"]: row for row in rows}
    others = []
    for message in messages if isinstance(messages, list | tuple) else [str(messages)]:
        match = _DAY_IN_ERROR.search(str(message))
        if match and match[1] in by_day:
            text = str(message)[match.end() :]
            by_day[match[1]]["errors"].append(text[:1].upper() + text[1:])
        else:
            others.append(str(message).removeprefix("hours: "))
    return others


def hours_summary(hours) -> list[str]:
    """Opening hours as lines such as `Mon–Fri 09:00–17:00`, consecutive days with equal hours grouped."""
    if isinstance(hours, str):
        return ["Open 24 hours, 7 days"]
    if not isinstance(hours, dict):
        return []
    week = [tuple(tuple(pair) for pair in hours.get(day) or []) for day in WEEKDAYS]
    lines, start = [], 0
    for index in range(1, len(WEEKDAYS) + 1):
        if index < len(WEEKDAYS) and week[index] == week[start]:
            continue
        if week[start]:
            days = WEEKDAYS[start].capitalize() + ("" if index - 1 == start else "–" + WEEKDAYS[index - 1].capitalize())
            lines.append(f"{days} " + ", ".join(f"{a}–{b}" for a, b in week[start]))
        start = index
    return lines or ["Closed every day"]


# --- policy ------------------------------------------------------------------------------------


class PolicyForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("A policy needs a name."), Length(max=100)], description="Such as “Standard” or “Premium clients”."
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})
    calendar_id = SelectField(
        "Calendar", validators=[DataRequired("Choose a calendar.")], description="Clocks run during this calendar's business hours only."
    )
    at_risk_percent = IntegerField(
        "At risk at (%)",
        default=75,
        validators=[DataRequired("Give a percentage from 1 to 99."), NumberRange(min=1, max=99, message="A percentage from 1 to 99.")],
        description="A clock is at risk once this share of its target has elapsed.",
    )


def calendar_choices(form: PolicyForm, calendars, current_id=None) -> None:
    form.calendar_id.choices = [("", "Choose…")] + [
        (str(c.id), c.name + (" (archived)" if c.archived_at else "")) for c in calendars if c.archived_at is None or c.id == current_id
    ]


def hours_text(minutes) -> str:
    """Business minutes as decimal hours for the form: 90 -> `1.5` (two decimals always round-trip to the minute)."""
    if not minutes:
        return ""
    return f"{Decimal(minutes) / 60:.2f}".rstrip("0").rstrip(".")


def target_rows(targets=None) -> list[dict]:
    targets = targets or {}
    return [
        {
            "priority": priority,
            "label": priority.capitalize(),
            "cells": {metric: {"value": hours_text((targets.get(priority) or {}).get(metric)), "errors": []} for metric in METRICS},
        }
        for priority in PRIORITIES
    ]


def parse_target_rows(data) -> tuple[list[dict], dict, bool]:
    """Targets posted in hours (decimals allowed; blank means no clock) as whole business minutes."""
    rows, targets, valid = [], {}, True
    for priority in PRIORITIES:
        row = {"priority": priority, "label": priority.capitalize(), "cells": {}}
        for metric in METRICS:
            value = (data.get(f"target-{priority}-{metric}") or "").strip()[:20]
            cell = {"value": value, "errors": []}
            row["cells"][metric] = cell
            if not value:
                continue
            try:
                hours = Decimal(value.replace(",", "."))
                minutes = int((hours * 60).to_integral_value()) if hours.is_finite() else 0
            except DecimalException:
                cell["errors"].append("A number of hours, such as 4 or 1.5.")
                valid = False
                continue
            if not 1 <= minutes <= MAX_TARGET_MINUTES:
                cell["errors"].append(f"From 1 minute (0.02 h) to {MAX_TARGET_MINUTES // 60} hours.")
                valid = False
                continue
            targets.setdefault(priority, {})[metric] = minutes
        rows.append(row)
    return rows, targets, valid


# --- rules and client holidays -----------------------------------------------------------------


class RuleForm(FlaskForm):
    client_id = SelectField("Client", description="Leave as “Any client” for all clients.")
    task_type_id = SelectField("Task type", description="Leave as “Any task type” for all kinds of work.")


def rule_choices(form: RuleForm, clients, task_types) -> None:
    form.client_id.choices = [("", "Any client")] + [(str(c.id), c.name) for c in clients]
    form.task_type_id.choices = [("", "Any task type")] + [(str(t.id), t.name) for t in task_types]


class ClientHolidayForm(FlaskForm):
    day = DateField("Date", validators=[DataRequired("Choose a date."), dates.form_range])
    name = StringField("Name", validators=[DataRequired("Name the holiday."), Length(max=100)], render_kw={"placeholder": "Office closed"})
