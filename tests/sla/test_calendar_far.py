"""Far ranges: summing dates arithmetically gives the laid-out timeline's answers, in time that does not grow with distance."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sla import calendar as module
from app.sla.calendar import BusinessCalendar
from tests.sla.test_calendar_properties import calendars

DAY = module._DAY
FAR = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _near_count(calendar: BusinessCalendar, lo: int, hi: int) -> int:
    """The reference: every date between laid end to end (what the calendar did for every range before)."""
    timeline = calendar._covering(lo, hi)
    return timeline.before(hi) - timeline.before(lo)


@FAR
@given(calendars(), st.integers(module._FAR_DAYS * DAY + 1, 3 * 366 * DAY), st.booleans())
def test_far_count_equals_the_timeline(case, length, public):
    spec, start = case
    if public and spec["timezone"] == "Europe/London":
        spec = {**spec, "country": "GB", "subdivision": "ENG"}
    lo = int(start.timestamp() // 60)
    assert BusinessCalendar.from_spec(spec)._count_far(lo, lo + length) == _near_count(BusinessCalendar.from_spec(spec), lo, lo + length)


@FAR
@given(calendars(), st.integers(1, 3 * 366 * DAY))
def test_far_add_ends_where_the_count_says(case, offset):
    spec, start = case
    calendar = BusinessCalendar.from_spec(spec)
    lo = int(start.timestamp() // 60)
    count = _near_count(BusinessCalendar.from_spec(spec), lo, lo + offset)
    if count == 0:
        return
    end = calendar._advance_far(lo, count)
    # The end closes the count-th business minute: by it, count have begun; one minute earlier, count - 1.
    reference = BusinessCalendar.from_spec(spec)
    assert _near_count(reference, lo, end) == count
    assert _near_count(reference, lo, end - 1) == count - 1


def test_a_deadline_150_years_out_is_quick():
    calendar = BusinessCalendar("Europe/London", {"mon": [["09:00", "17:30"]], "fri": [["00:00", "24:00"]]}, ["2030-05-06"])
    start = datetime(2026, 12, 3, 10, tzinfo=UTC)
    began = time.perf_counter()
    available = calendar.business_minutes_between(start, start + timedelta(days=150 * 366))
    risk = calendar.add_business_minutes(start, available * 3 // 4)
    due = calendar.due_at(start, available, [(start, start + timedelta(days=1))])
    elapsed = time.perf_counter() - began
    assert start < risk < due
    assert elapsed < 0.8, f"took {elapsed:.2f}s"
