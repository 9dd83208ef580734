"""Calendar specs are validated with clear messages; naive instants are refused; public holidays come from `holidays`."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.sla.calendar import BusinessCalendar

LONDON = {"timezone": "Europe/London", "hours": {"mon": [["09:00", "17:00"]], "fri": [["09:00", "12:00"], ["13:00", "24:00"]]}, "holidays": []}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown IANA zone"),
        ({"hours": "9to5"}, '"24x7"'),
        ({"hours": {"mon": [["9:00", "17:00"]]}}, '"HH:MM"'),
        ({"hours": {"mon": [["09:00", "25:00"]]}}, "out of range"),
        ({"hours": {"mon": [["24:00", "24:00"]]}}, "out of range"),
        ({"hours": {"mon": [["17:00", "09:00"]]}}, "must be before"),
        ({"hours": {"mon": [["09:00", "09:00"]]}}, "must be before"),
        ({"hours": {"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}}, "overlap"),
        ({"hours": {"funday": [["09:00", "17:00"]]}}, "unknown weekday"),
        ({"hours": {"mon": ["09:00", "17:00"]}}, "pair"),
        ({"hours": {}}, "no opening hours"),
        ({"holidays": ["2026-13-01"]}, "ISO date"),
        ({"country": "XX"}, "public holidays"),
        ({"subdivision": "ENG"}, "without a country"),
    ],
)
def test_bad_specs_are_refused(change, message):
    with pytest.raises(ValueError, match=message.replace('"', ".").replace("(", r"\(")):
        BusinessCalendar.from_spec({**LONDON, **change})


def test_naive_instants_are_refused():
    calendar = BusinessCalendar.from_spec(LONDON)
    naive = datetime(2026, 5, 4, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add_business_minutes(naive, 5)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.business_minutes_between(datetime(2026, 5, 4, tzinfo=UTC), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.due_at(datetime(2026, 5, 4, tzinfo=UTC), 5, [(naive, naive)])
    with pytest.raises(ValueError, match="negative"):
        calendar.add_business_minutes(datetime(2026, 5, 4, tzinfo=UTC), -1)


def test_split_day_and_midnight_close():
    calendar = BusinessCalendar.from_spec(LONDON)
    friday = date(2026, 5, 8)  # BST: local = UTC + 1
    assert calendar.open_intervals(friday) == [
        (datetime(2026, 5, 8, 8, tzinfo=UTC), datetime(2026, 5, 8, 11, tzinfo=UTC)),
        (datetime(2026, 5, 8, 12, tzinfo=UTC), datetime(2026, 5, 8, 23, tzinfo=UTC)),
    ]
    assert calendar.add_business_minutes(datetime(2026, 5, 8, 10, 30, tzinfo=UTC), 60) == datetime(2026, 5, 8, 12, 30, tzinfo=UTC)


def test_public_holidays_by_country_and_subdivision():
    spec = {"timezone": "Europe/London", "hours": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}}
    england = BusinessCalendar.from_spec({**spec, "country": "GB", "subdivision": "ENG"})
    scotland = BusinessCalendar.from_spec({**spec, "country": "GB", "subdivision": "SCT"})
    assert england.is_holiday(date(2026, 12, 25)) and england.open_intervals(date(2026, 12, 25)) == []
    assert not england.is_holiday(date(2026, 1, 2)) and scotland.is_holiday(date(2026, 1, 2))  # 2 January: Scotland only
    # Thursday 24 December 09:00 + 8 hours: Christmas and Boxing Day (observed Monday 28th) are skipped.
    start = datetime(2026, 12, 24, 9, tzinfo=UTC)
    assert england.add_business_minutes(start, 8 * 60 + 1) == datetime(2026, 12, 29, 9, 1, tzinfo=UTC)
