"""Property tests: the interval arithmetic of app.sla.calendar agrees with itself and with a minute-by-minute count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sla.calendar import WEEKDAYS, BusinessCalendar

ZONES = ["Europe/London", "America/New_York", "Pacific/Auckland", "Asia/Kolkata", "UTC", "Australia/Lord_Howe"]
# Local dates with a daylight-saving change somewhere in ZONES (starts are drawn around them as well as at random).
DST_DAYS = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 5), date(2026, 9, 27), date(2026, 10, 4), date(2026, 10, 25), date(2026, 11, 1)]
MINUTE = timedelta(minutes=1)
WINDOW = 3 * 1440  # minutes of brute force after each start
PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def day_hours(draw):
    """0 to 3 disjoint [open, close] intervals of one day, some ending at "24:00"."""
    count = draw(st.integers(0, 3))
    points = sorted(draw(st.sets(st.integers(0, 1440), min_size=2 * count, max_size=2 * count)))
    return [[_hhmm(points[i]), "24:00" if points[i + 1] == 1440 else _hhmm(points[i + 1])] for i in range(0, len(points), 2)]


@st.composite
def calendars(draw):
    zone = draw(st.sampled_from(ZONES))
    if draw(st.integers(0, 9)) == 0:
        hours = "24x7"
    else:
        hours = {day: draw(day_hours()) for day in WEEKDAYS}
        if not any(hours.values()):
            hours["wed"] = [["09:00", "17:00"]]
    anchor = draw(st.sampled_from(DST_DAYS + [None]))
    if anchor is None:
        anchor = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 500)))
    holidays = sorted({(anchor + timedelta(days=draw(st.integers(-3, 6)))).isoformat() for _ in range(draw(st.integers(0, 3)))})
    spec = {"timezone": zone, "hours": hours, "holidays": holidays}
    # The start: within a few days of the anchor date, sometimes with seconds.
    start = datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC) + timedelta(minutes=draw(st.integers(-3 * 1440, 3 * 1440)))
    if draw(st.booleans()):
        start += timedelta(seconds=draw(st.integers(1, 59)), microseconds=draw(st.integers(0, 999_999)))
    return spec, start


def _brute_flags(spec: dict, start: datetime, count: int = WINDOW) -> list[bool]:
    """Whether grid minute start + k min is business time, straight from the definition, for k < count."""
    zone = ZoneInfo(spec["timezone"])
    holidays = {date.fromisoformat(day) for day in spec["holidays"]}
    if spec["hours"] == "24x7":
        week = {day: [(0, 1440)] for day in WEEKDAYS}
    else:
        week = {day: [(int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:])) for a, b in spec["hours"].get(day, [])] for day in WEEKDAYS}
    flags = []
    for k in range(count):
        local = (start + k * MINUTE).astimezone(zone)
        seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        flags.append(local.date() not in holidays and any(a * 60 <= seconds < b * 60 for a, b in week[WEEKDAYS[local.weekday()]]))
    return flags


@PROPERTIES
@given(calendars(), st.integers(0, 20_000), st.integers(0, 500))
def test_add_and_between_agree(case, minutes, more):
    spec, start = case
    calendar = BusinessCalendar.from_spec(spec)
    end = calendar.add_business_minutes(start, minutes)
    assert end.tzinfo is not None and end.utcoffset() == timedelta(0)
    assert calendar.business_minutes_between(start, end) == minutes
    if minutes:
        # The end closes the n-th business minute: one minute earlier only n - 1 have passed.
        assert calendar.business_minutes_between(start, end - MINUTE) == minutes - 1
    else:
        assert end == start
    later = calendar.add_business_minutes(start, minutes + more)
    assert later >= end
    assert later > end or more == 0
    assert calendar.business_minutes_between(end, later) == more
    assert calendar.due_at(start, minutes, []) == end


@PROPERTIES
@given(calendars(), st.data())
def test_agrees_with_brute_force(case, data):
    spec, start = case
    calendar = BusinessCalendar.from_spec(spec)
    flags = _brute_flags(spec, start)
    business = [k for k, flag in enumerate(flags) if flag]
    # between: every prefix of the window, at a whole minute and with extra seconds (incomplete minutes do not count).
    for k in sorted(set(data.draw(st.lists(st.integers(0, WINDOW), min_size=1, max_size=8)))):
        expected = sum(flags[:k])
        assert calendar.business_minutes_between(start, start + k * MINUTE) == expected
        assert calendar.business_minutes_between(start, start + k * MINUTE + timedelta(seconds=59)) == expected
    # add: the n-th business minute of the window.
    if business:
        for n in data.draw(st.lists(st.integers(1, len(business)), min_size=1, max_size=5)):
            assert calendar.add_business_minutes(start, n) == start + (business[n - 1] + 1) * MINUTE


@st.composite
def pauses_after(draw, start: datetime):
    """Up to 3 pauses (possibly overlapping, possibly straddling start) within the window, some with seconds."""
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        a = draw(st.integers(-120, WINDOW // 2))
        b = a + draw(st.integers(0, 1440))
        jitter = timedelta(seconds=draw(st.integers(0, 59))) if draw(st.booleans()) else timedelta(0)
        pauses.append((start + a * MINUTE + jitter, start + b * MINUTE + jitter))
    return pauses


@PROPERTIES
@given(calendars(), st.data())
def test_due_at_skips_paused_business_minutes(case, data):
    spec, start = case
    calendar = BusinessCalendar.from_spec(spec)
    pauses = data.draw(pauses_after(start))
    flags = _brute_flags(spec, start)
    counted = [k for k, flag in enumerate(flags) if flag and not any(a <= start + k * MINUTE < b for a, b in pauses)]
    if not counted:
        return
    n = data.draw(st.integers(1, len(counted)))
    due = calendar.due_at(start, n, pauses)
    assert due == start + (counted[n - 1] + 1) * MINUTE
    # Equivalently: add_business_minutes plus the business minutes spent inside pauses before the due time.
    paused = sum(1 for k, flag in enumerate(flags[: counted[n - 1] + 1]) if flag and any(a <= start + k * MINUTE < b for a, b in pauses))
    assert due == calendar.add_business_minutes(start, n + paused)
    assert calendar.due_at(start, 0, pauses) == start
