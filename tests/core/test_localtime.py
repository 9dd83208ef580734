"""Local time: instants in the viewer's zone with its abbreviation, dates and numbers in the viewer's locale, inputs, money."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from app.core import localtime
from app.core.localtime import Viewer, viewing_as

NNBSP = "\u202f"  # CLDR puts a narrow no-break space before AM/PM
LONDON, NEW_YORK = Viewer("Europe/London", "en_GB"), Viewer("America/New_York", "en_US")
WINTER = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield


def test_an_instant_reads_in_each_viewers_zone_and_locale(in_app):
    with viewing_as(LONDON):
        assert localtime.format_datetime(WINTER) == "3 Dec 2026, 08:30 GMT"
        assert localtime.format_day(WINTER) == "3 Dec 2026"
    with viewing_as(NEW_YORK):
        assert localtime.format_datetime(WINTER) == f"Dec 3, 2026, 3:30{NNBSP}AM EST"
        assert localtime.format_day(WINTER) == "Dec 3, 2026"
        assert localtime.format_time(WINTER) == f"3:30{NNBSP}AM EST"


def test_the_abbreviation_and_offset_follow_daylight_saving_across_the_change(in_app):
    # London's clocks went back at 01:00 UTC on 25 October 2026; New York's at 06:00 UTC on 1 November.
    with viewing_as(LONDON):
        assert localtime.format_datetime(datetime(2026, 10, 25, 0, 59, tzinfo=UTC)) == "25 Oct 2026, 01:59 BST"
        assert localtime.format_datetime(datetime(2026, 10, 25, 1, 0, tzinfo=UTC)) == "25 Oct 2026, 01:00 GMT"
    with viewing_as(NEW_YORK):
        assert localtime.format_datetime(datetime(2026, 11, 1, 5, 30, tzinfo=UTC)) == f"Nov 1, 2026, 1:30{NNBSP}AM EDT"
        assert localtime.format_datetime(datetime(2026, 11, 1, 6, 30, tzinfo=UTC)) == f"Nov 1, 2026, 1:30{NNBSP}AM EST"


def test_an_instant_near_midnight_falls_on_the_viewers_date(in_app):
    late = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 4 Dec in London, still 3 Dec in New York
    with viewing_as(LONDON):
        assert localtime.format_day(late) == "4 Dec 2026"
    with viewing_as(NEW_YORK):
        assert localtime.format_day(late) == "Dec 3, 2026"


def test_dates_numbers_and_skeletons_follow_the_locale(in_app):
    with viewing_as(Viewer("Europe/Berlin", "de_DE")):
        assert localtime.format_day(date(2026, 12, 3)) == "03.12.2026"
        assert localtime.format_number(1234.5, 1) == "1.234,5"
        assert localtime.format_percent(97.5, 1) == "97,5\u00a0%"
    with viewing_as(NEW_YORK):
        assert localtime.format_day("2026-12-03", "MMMEd") == "Thu, Dec 3"
        assert localtime.format_number(1234.5, 1) == "1,234.5"
        assert localtime.format_percent(97.5, 1) == "97.5%"
    with viewing_as(LONDON):
        assert localtime.format_day("2026-12-03", "MMMEd") == "Thu 3 Dec"
        assert localtime.format_day(None) == "—" and localtime.format_datetime(None) == "—"


def test_money_is_formatted_by_locale(in_app):
    with viewing_as(LONDON):
        assert localtime.format_currency(Decimal("1234.5"), "GBP") == "£1,234.50"
    with viewing_as(NEW_YORK):
        assert localtime.format_currency(Decimal("1234.5"), "usd") == "$1,234.50"
    assert localtime.format_currency(Decimal("1234.5"), "EUR", locale="de_DE") == "1.234,50\u00a0€"


def test_machine_instants_are_whole_seconds_in_utc_with_z_and_csv_keeps_the_local_offset(in_app):
    instant = datetime(2026, 7, 1, 12, 0, 5, 123456, tzinfo=UTC)
    assert localtime.iso_instant(instant) == "2026-07-01T12:00:05Z"
    assert localtime.iso_instant("2026-07-01T12:00:05.5+02:00") == "2026-07-01T10:00:05Z"
    assert localtime.iso_instant(None) == ""
    assert localtime.iso_local(instant, "America/New_York") == "2026-07-01T08:00:05-04:00"
    assert localtime.iso_local(instant, "Europe/London") == "2026-07-01T13:00:05+01:00"


def test_datetime_inputs_are_read_and_filled_on_the_viewers_clock(in_app):
    with viewing_as(NEW_YORK):
        assert localtime.parse_local("2026-12-03T09:00") == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
        assert localtime.input_value(datetime(2026, 12, 3, 14, 0, tzinfo=UTC)) == "2026-12-03T09:00"
        assert localtime.parse_local("2026-12-03T09:00+00:00") == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # its own offset wins
        assert localtime.parse_local("") is None
        with pytest.raises(ValueError):
            localtime.parse_local("tomorrow")
    # The hour London's clocks go back happens twice: the first one is meant.
    assert localtime.parse_local("2026-10-25T01:30", "Europe/London") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_days_and_weeks_are_cut_at_the_zones_midnight(in_app):
    assert localtime.day_start(date(2026, 12, 3), "America/New_York") == datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
    # Across the change a day is 25 hours long.
    start, end = localtime.day_range(date(2026, 11, 1), date(2026, 11, 1), "America/New_York")
    assert (end - start).total_seconds() == 25 * 3600
    sunday_night = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # Monday in London, still Sunday in New York
    assert localtime.week_monday(sunday_night, "Europe/London") == date(2026, 12, 7)
    assert localtime.week_monday(sunday_night, "America/New_York") == date(2026, 11, 30)


def test_with_nobody_known_the_defaults_are_en_gb_and_utc(in_app):
    assert localtime.current_viewer() == Viewer("UTC", "en_GB")
    assert localtime.format_datetime(WINTER) == "3 Dec 2026, 08:30 UTC"


def test_validation_knows_iana_zones_and_the_offered_locales():
    assert localtime.is_zone("America/New_York") and not localtime.is_zone("Mars/Olympus") and not localtime.is_zone("")
    assert localtime.is_locale("en_US") and not localtime.is_locale("xx_YY") and not localtime.is_locale(None)


@time_machine.travel(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), tick=False)
def test_the_footer_abbreviation_is_the_one_in_force_now(in_app):
    # 00:30 UTC on the day London springs forward (01:00 UTC): still GMT, and BST an hour later.
    assert localtime.zone_abbreviation(tz="Europe/London") == "GMT"
    assert localtime.zone_abbreviation(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "Europe/London") == "BST"
