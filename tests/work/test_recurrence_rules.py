"""The pure date arithmetic of recurring work: month ends, leap years, working days, quarters, RRULEs and time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.work import recurrence
from app.work.recurrence import Rule, creation_instant, due_instant, occurrence_dates, rrule_error, rule_errors


def dates(rule: Rule, first: date, last: date) -> list[date]:
    return list(occurrence_dates(rule, first, last))


def test_day_31_falls_on_each_months_last_day_including_february_in_leap_and_common_years():
    rule = Rule("monthly_day", date(2027, 12, 1), day_of_month=31)
    got = dates(rule, date(2027, 12, 1), date(2028, 4, 30))
    assert got == [date(2027, 12, 31), date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30)]
    assert dates(Rule("monthly_day", date(2026, 1, 1), day_of_month=30), date(2026, 2, 1), date(2026, 2, 28)) == [date(2026, 2, 28)]


def test_monthly_interval_counts_from_the_start_month():
    rule = Rule("monthly_day", date(2026, 1, 10), day_of_month=5, interval=2)
    assert dates(rule, date(2026, 1, 1), date(2026, 8, 31)) == [date(2026, 3, 5), date(2026, 5, 5), date(2026, 7, 5)]


def test_last_working_day_skips_weekends():
    rule = Rule("monthly_last_working_day", date(2026, 1, 1))
    got = dates(rule, date(2026, 1, 1), date(2026, 6, 30))
    # Jan 31 2026 is a Saturday, May 31 a Sunday, Feb 28 a Saturday.
    assert got == [date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 29), date(2026, 6, 30)]
    assert all(d.weekday() < 5 for d in got)


def test_weekly_every_two_weeks_on_a_weekday():
    rule = Rule("weekly", date(2026, 11, 4), weekday=4, interval=2)  # Wednesday start; Fridays
    assert dates(rule, date(2026, 11, 1), date(2026, 12, 31)) == [date(2026, 11, 6), date(2026, 11, 20), date(2026, 12, 4), date(2026, 12, 18)]
    # A window that starts late keeps the same fortnightly rhythm.
    assert dates(rule, date(2026, 12, 5), date(2026, 12, 31)) == [date(2026, 12, 18)]


def test_quarterly_on_a_month_of_each_quarter_with_clamping():
    rule = Rule("quarterly", date(2026, 1, 1), day_of_month=31, month=1)
    assert dates(rule, date(2026, 1, 1), date(2026, 12, 31)) == [date(2026, 1, 31), date(2026, 4, 30), date(2026, 7, 31), date(2026, 10, 31)]
    third = Rule("quarterly", date(2026, 5, 1), day_of_month=15, month=3)
    assert dates(third, date(2026, 1, 1), date(2027, 3, 31)) == [date(2026, 6, 15), date(2026, 9, 15), date(2026, 12, 15), date(2027, 3, 15)]


def test_yearly_on_29_february_falls_on_the_28th_in_common_years():
    rule = Rule("yearly", date(2027, 1, 1), month=2, day_of_month=29)
    assert dates(rule, date(2027, 1, 1), date(2029, 12, 31)) == [date(2027, 2, 28), date(2028, 2, 29), date(2029, 2, 28)]


def test_nothing_before_the_start_or_after_the_end():
    rule = Rule("monthly_day", date(2026, 3, 10), day_of_month=5, ends_on=date(2026, 6, 5))
    assert dates(rule, date(2026, 1, 1), date(2026, 12, 31)) == [date(2026, 4, 5), date(2026, 5, 5), date(2026, 6, 5)]


def test_rrule_first_monday_of_the_month_and_count():
    rule = Rule("rrule", date(2026, 1, 1), rrule="RRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1")
    assert dates(rule, date(2026, 1, 1), date(2026, 4, 30)) == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2), date(2026, 4, 6)]
    counted = Rule("rrule", date(2026, 1, 1), rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=3")
    assert dates(counted, date(2026, 1, 1), date(2027, 1, 1)) == [date(2026, 1, 6), date(2026, 1, 13), date(2026, 1, 20)]


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=HOURLY",
        "FREQ=MINUTELY;INTERVAL=5",
        "FREQ=DAILY;BYHOUR=1,2,3",
        "nonsense",
        "FREQ=MONTHLY;BYMONTHDAY=40",
        "DTSTART:20260101\nRRULE:FREQ=DAILY",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "",
    ],
)
def test_bad_or_too_frequent_rrules_are_refused(text):
    assert rrule_error(text, date(2026, 1, 1))


def test_daily_rrule_is_accepted():
    assert rrule_error("FREQ=DAILY", date(2026, 1, 1)) is None


def test_rule_errors_name_the_fields():
    assert set(rule_errors(Rule("monthly_day", date(2026, 1, 1), day_of_month=0))) == {"day_of_month"}
    assert set(rule_errors(Rule("weekly", date(2026, 1, 1), weekday=7))) == {"weekday"}
    assert set(rule_errors(Rule("quarterly", date(2026, 1, 1), day_of_month=1, month=4))) == {"month"}
    assert set(rule_errors(Rule("yearly", date(2026, 1, 1), day_of_month=30, month=2))) == {"day_of_month"}
    assert set(rule_errors(Rule("monthly_day", date(2026, 1, 1), day_of_month=1, interval=0))) == {"interval"}
    assert set(rule_errors(Rule("monthly_day", date(2026, 5, 1), day_of_month=1, ends_on=date(2026, 4, 1)))) == {"ends_on"}
    assert set(rule_errors(Rule("fortnightly", date(2026, 1, 1)))) == {"frequency"}
    assert rule_errors(Rule("yearly", date(2026, 1, 1), day_of_month=29, month=2)) == {}


def test_due_at_17_00_london_across_the_spring_and_autumn_changes():
    # BST starts 29 March 2026 and ends 25 October 2026.
    assert due_instant(date(2026, 3, 27), "17:00", "Europe/London") == datetime(2026, 3, 27, 17, 0, tzinfo=UTC)
    assert due_instant(date(2026, 3, 30), "17:00", "Europe/London") == datetime(2026, 3, 30, 16, 0, tzinfo=UTC)
    assert due_instant(date(2026, 10, 23), "17:00", "Europe/London") == datetime(2026, 10, 23, 16, 0, tzinfo=UTC)
    assert due_instant(date(2026, 10, 26), "17:00", "Europe/London") == datetime(2026, 10, 26, 17, 0, tzinfo=UTC)


def test_pacific_auckland_is_a_day_ahead_of_utc():
    # NZDT (+13) until 5 April 2026, NZST (+12) after; NZDT again from 27 September 2026.
    assert due_instant(date(2026, 4, 1), "09:00", "Pacific/Auckland") == datetime(2026, 3, 31, 20, 0, tzinfo=UTC)
    assert due_instant(date(2026, 4, 10), "09:00", "Pacific/Auckland") == datetime(2026, 4, 9, 21, 0, tzinfo=UTC)
    assert due_instant(date(2026, 9, 28), "09:00", "Pacific/Auckland") == datetime(2026, 9, 27, 20, 0, tzinfo=UTC)


def test_creation_is_lead_days_earlier_on_the_same_wall_clock():
    # Due Monday 30 March 17:00 BST; created 7 days earlier at 17:00 GMT (before the change).
    assert creation_instant(date(2026, 3, 30), "17:00", "Europe/London", 7) == datetime(2026, 3, 23, 17, 0, tzinfo=UTC)
    assert creation_instant(date(2026, 3, 30), "17:00", "Europe/London", 0) == datetime(2026, 3, 30, 16, 0, tzinfo=UTC)


def test_descriptions_and_period_labels():
    assert recurrence.describe(Rule("monthly_day", date(2026, 1, 1), day_of_month=31)) == "Monthly on the 31st (or the month's last day)"
    assert recurrence.describe(Rule("weekly", date(2026, 1, 1), weekday=0, interval=2)) == "Every 2 weeks on Monday"
    assert recurrence.period_label("quarterly", date(2026, 11, 5)) == "Q4 2026"
    assert recurrence.period_label("monthly_day", date(2026, 11, 5)) == "November 2026"
