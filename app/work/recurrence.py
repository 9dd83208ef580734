"""Pure date arithmetic of recurring work: which dates a rule yields, and when each occurrence is due and created."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as du_rrule

FREQUENCY_LABELS = {
    "monthly_day": "Monthly on a day",
    "monthly_last_working_day": "Monthly on the last working day",
    "weekly": "Every N weeks on a weekday",
    "quarterly": "Quarterly",
    "yearly": "Yearly",
    "rrule": "Custom rule (RFC 5545 RRULE)",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_PER_YEAR = 1000  # a custom rule yielding more dates than this in a year is refused
MAX_INTERVAL = 52
DUE_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# Finer than daily would mean several occurrences on one date; the unit of recurring work is a date.
RRULE_FREQS = {"YEARLY", "MONTHLY", "WEEKLY", "DAILY"}


@dataclass(frozen=True)
class Rule:
    """What a schedule says about dates (the same attribute names as RecurringSchedule)."""

    frequency: str
    starts_on: date
    interval: int = 1
    day_of_month: int | None = None
    weekday: int | None = None
    month: int | None = None
    rrule: str | None = None
    ends_on: date | None = None

    @classmethod
    def of(cls, schedule) -> Rule:
        return cls(
            frequency=schedule.frequency,
            starts_on=schedule.starts_on,
            interval=schedule.interval or 1,
            day_of_month=schedule.day_of_month,
            weekday=schedule.weekday,
            month=schedule.month,
            rrule=schedule.rrule,
            ends_on=schedule.ends_on,
        )


# --- validation -------------------------------------------------------------------------------


def _in_range(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def rule_errors(rule: Rule) -> dict[str, list[str]]:
    """Per-field messages for a rule that cannot work (empty when it is fine)."""
    errors: dict[str, list[str]] = {}
    if rule.frequency not in FREQUENCY_LABELS:
        return {"frequency": [f"Must be one of: {', '.join(FREQUENCY_LABELS)}."]}
    if not _in_range(rule.interval, 1, MAX_INTERVAL):
        errors["interval"] = [f"Between 1 and {MAX_INTERVAL}."]
    errors.update(_day_errors(rule))
    if rule.frequency == "rrule":
        message = rrule_error(rule.rrule, rule.starts_on)
        if message:
            errors["rrule"] = [message]
    if rule.ends_on is not None and rule.starts_on is not None and rule.ends_on < rule.starts_on:
        errors["ends_on"] = ["Must be on or after the start date."]
    return errors


def _day_errors(rule: Rule) -> dict[str, list[str]]:
    """Messages for the day of month, weekday and month the rule's frequency needs."""
    errors: dict[str, list[str]] = {}
    if rule.frequency in ("monthly_day", "quarterly", "yearly") and not _in_range(rule.day_of_month, 1, 31):
        errors["day_of_month"] = ["A day between 1 and 31 (days past the month's end fall on its last day)."]
    if rule.frequency == "weekly" and not _in_range(rule.weekday, 0, 6):
        errors["weekday"] = ["A weekday from 0 (Monday) to 6 (Sunday)."]
    if rule.frequency == "quarterly" and not _in_range(rule.month, 1, 3):
        errors["month"] = ["The month of the quarter: 1 (first), 2 (second) or 3 (third)."]
    if rule.frequency == "yearly":
        _add_yearly_errors(rule, errors)
    return errors


def _add_yearly_errors(rule: Rule, errors: dict[str, list[str]]) -> None:
    """A yearly rule needs a month, and a day that month has (29 February is allowed: leap years have it)."""
    if not _in_range(rule.month, 1, 12):
        errors["month"] = ["A month from 1 to 12."]
    elif "day_of_month" not in errors and rule.day_of_month > calendar.monthrange(2024, rule.month)[1]:
        errors["day_of_month"] = [f"{calendar.month_name[rule.month]} has no day {rule.day_of_month}."]


def _parse_rrule(text: str, starts_on: date) -> du_rrule.rrule:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body or any(ch in body for ch in "\r\n") or "DTSTART" in body.upper():
        raise ValueError("Give one RRULE line without DTSTART (the schedule's start date is the start).")
    parts = dict(part.split("=", 1) for part in body.upper().split(";") if "=" in part)
    if parts.get("FREQ") not in RRULE_FREQS:
        raise ValueError("FREQ must be YEARLY, MONTHLY, WEEKLY or DAILY.")
    return du_rrule.rrulestr(body, dtstart=datetime.combine(starts_on, time()), forceset=False, compatible=False)


def rrule_error(text: str | None, starts_on: date | None) -> str | None:
    """Why an RRULE is refused, or None when it is usable."""
    if not text or not text.strip():
        return "Enter a rule, for example FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1."
    if len(text) > 500:
        return "The rule is too long."
    start = starts_on or date.today()
    try:
        rule = _parse_rrule(text, start)
        horizon = datetime.combine(start + timedelta(days=366), time())
        count = len(list(islice(_bounded(rule, horizon), MAX_PER_YEAR + 1)))
        if count > MAX_PER_YEAR:
            return f"The rule yields more than {MAX_PER_YEAR} dates a year."
        if count == 0 and next(_bounded(rule, datetime.combine(start + timedelta(days=4 * 366), time())), None) is None:
            return "The rule yields no dates in the next four years."
    except (ValueError, TypeError, OverflowError, KeyError) as error:
        return f"Not a valid RRULE: {error}"
    return None


def _bounded(rule: du_rrule.rrule, until: datetime) -> Iterator[datetime]:
    """The rule's datetimes up to `until`, without walking an impossible rule to the year 9999."""
    own_until = getattr(rule, "_until", None)
    if getattr(rule, "_count", None) is None:
        limit = min(own_until, until) if own_until is not None else until
        yield from rule.replace(until=limit)
        return
    for value in rule:
        if value > until:
            return
        yield value


# --- dates --------------------------------------------------------------------------------------


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def last_working_day(year: int, month: int) -> date:
    """The last Monday-to-Friday of a month."""
    day = date(year, month, calendar.monthrange(year, month)[1])
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _month_dates(rule: Rule, first: date, last: date) -> Iterator[date]:
    step = {"monthly_day": 1, "monthly_last_working_day": 1, "quarterly": 3, "yearly": 12}[rule.frequency] * rule.interval
    if rule.frequency == "quarterly":
        quarter_start = (rule.starts_on.month - 1) // 3 * 3
        anchor = rule.starts_on.year * 12 + quarter_start + (rule.month - 1)
    elif rule.frequency == "yearly":
        anchor = rule.starts_on.year * 12 + rule.month - 1
    else:
        anchor = rule.starts_on.year * 12 + rule.starts_on.month - 1
    # Jump to the first period that can reach `first` (one step early, so clamped dates are not missed).
    wanted = first.year * 12 + first.month - 1
    index = anchor + max(0, (wanted - anchor) // step - 1) * step
    while True:
        year, month0 = divmod(index, 12)
        if year > last.year:
            return
        if rule.frequency == "monthly_last_working_day":
            day = last_working_day(year, month0 + 1)
        else:
            day = _clamped(year, month0 + 1, rule.day_of_month)
        if day > last:
            return
        if day >= first:
            yield day
        index += step


def _weekly_dates(rule: Rule, first: date, last: date) -> Iterator[date]:
    anchor = rule.starts_on + timedelta(days=(rule.weekday - rule.starts_on.weekday()) % 7)
    step = 7 * rule.interval
    day = anchor + timedelta(days=max(0, (first - anchor).days // step) * step)
    while day <= last:
        if day >= first:
            yield day
        day += timedelta(days=step)


def _rrule_dates(rule: Rule, first: date, last: date) -> Iterator[date]:
    parsed = _parse_rrule(rule.rrule, rule.starts_on)
    seen = None
    for value in _bounded(parsed, datetime.combine(last, time(23, 59, 59))):
        day = value.date()
        if day >= first and day != seen:
            seen = day
            yield day


def occurrence_dates(rule: Rule, first: date, last: date) -> Iterator[date]:
    """The rule's dates within [first, last] and within the schedule's own start and end, ascending."""
    first = max(first, rule.starts_on)
    if rule.ends_on is not None:
        last = min(last, rule.ends_on)
    if first > last:
        return iter(())
    if rule.frequency == "weekly":
        return _weekly_dates(rule, first, last)
    if rule.frequency == "rrule":
        return _rrule_dates(rule, first, last)
    return _month_dates(rule, first, last)


# --- instants -----------------------------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo | None:
    """The IANA zone of this name, or None when there is no such zone."""
    if not name or "\x00" in name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_due_time(value: str) -> time:
    match = DUE_TIME_RE.match(value or "")
    if not match:
        raise ValueError("due time must be HH:MM")
    return time(int(match.group(1)), int(match.group(2)))


def due_instant(day: date, due_time: str, tz_name: str) -> datetime:
    """The UTC instant an occurrence is due: `due_time` on its date, on the wall clock of `tz_name`."""
    return datetime.combine(day, parse_due_time(due_time), tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def creation_instant(day: date, due_time: str, tz_name: str, lead_days: int) -> datetime:
    """When the task is created: `lead_days` calendar days before it is due, at the same wall-clock time."""
    return due_instant(day - timedelta(days=lead_days), due_time, tz_name)


def local_today(now: datetime, tz_name: str) -> date:
    return now.astimezone(ZoneInfo(tz_name)).date()


def period_label(frequency: str, day: date) -> str:
    """How a generated task names its period: "November 2026", "Q4 2026", "2026" or the date itself."""
    if frequency in ("monthly_day", "monthly_last_working_day"):
        return day.strftime("%B %Y")
    if frequency == "quarterly":
        return f"Q{(day.month - 1) // 3 + 1} {day.year}"
    if frequency == "yearly":
        return str(day.year)
    return day.strftime("%d %b %Y")


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def describe(rule: Rule) -> str:
    """A rule in words: "Monthly on the 31st (or the month's last day)"."""
    every = rule.interval or 1
    if rule.frequency == "monthly_day":
        lead = "Monthly" if every == 1 else f"Every {every} months"
        tail = " (or the month's last day)" if (rule.day_of_month or 0) > 28 else ""
        return f"{lead} on the {_ordinal(rule.day_of_month or 1)}{tail}"
    if rule.frequency == "monthly_last_working_day":
        return ("Monthly" if every == 1 else f"Every {every} months") + " on the last working day (Mon–Fri)"
    if rule.frequency == "weekly":
        name = WEEKDAYS[rule.weekday] if rule.weekday is not None and 0 <= rule.weekday <= 6 else "?"
        return f"Every {name}" if every == 1 else f"Every {every} weeks on {name}"
    if rule.frequency == "quarterly":
        which = {1: "first", 2: "second", 3: "third"}.get(rule.month, "?")
        return f"Quarterly on the {_ordinal(rule.day_of_month or 1)} of the {which} month"
    if rule.frequency == "yearly":
        month = calendar.month_name[rule.month] if rule.month and 1 <= rule.month <= 12 else "?"
        return f"Yearly on {rule.day_of_month} {month}"
    return f"Custom rule: {rule.rrule}"
