"""Business calendars: opening hours in an IANA zone, holidays, and business-minute arithmetic over UTC instants.

A minute [t, t+1min) is a business minute when t, seen in the calendar's zone, falls on a non-holiday date
inside one of that weekday's opening intervals. The arithmetic never steps minute by minute: each local
date's opening intervals are turned into UTC spans once (daylight-saving gaps and overlaps included) and
cached, the spans of a range of dates are laid end to end with running totals, and every question is
answered by binary search over them.

A question about instants far apart (a deadline decades away) does not lay every date in between end to end:
the dates strictly inside the range are summed arithmetically (business minutes per full week, holidays
counted by range with running totals, and only the few dates next to a change of UTC offset computed from
their spans), so its cost does not grow with the distance beyond a few cached lookups per year. Finding
those changes samples the offset once a week: zones never change offset twice within a week.

Minutes are counted on a grid anchored at the start instant: for a start with seconds, the n-th business
minute is the n-th grid minute [start + k min, start + (k+1) min) whose beginning is business time. A
span of time counts complete grid minutes only. Zone offsets with seconds (local mean time before about
1900) are taken to the whole minute.
"""

from __future__ import annotations

import operator
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FULL_NAMES = {name: short for short, name in zip(WEEKDAYS, _DAY_NAMES, strict=True)}
_TIME = re.compile(r"^(\d{2}):(\d{2})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MINUTE_US = 60_000_000
_DAY = 1440  # minutes
_SAMPLE = 180  # offsets are sampled every 3 hours; zones never change offset twice within that
_CHUNK_DAYS = 400  # dates added to the running timeline at a time
_MARGIN_DAYS = 2  # a UTC instant's local date is within a day of its UTC date in every zone
_FAR_DAYS = 2 * _CHUNK_DAYS  # ranges longer than this are summed date by date arithmetically, not laid out
_WEEK_DAYS = 7  # offset samples when looking for zone changes across a far range
_BLOCK_DAYS = 52 * _WEEK_DAYS  # zone changes are looked up (and cached) per block of this many days
_HORIZON_DAYS = 200 * 366  # add_business_minutes gives up beyond this


def _parse_time(value: object, *, closing: bool, where: str) -> int:
    """Minutes after local midnight for "HH:MM" ("24:00" only as a closing time)."""
    match = _TIME.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f'{where}: time {value!r} is not "HH:MM"')
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes) or (hours == 24 and not closing):
        raise ValueError(f"{where}: time {value!r} is out of range" + ("" if closing else ' (an opening time runs from "00:00" to "23:59")'))
    return hours * 60 + minutes


def _parse_day(day: str, intervals: object) -> tuple[tuple[int, int], ...]:
    if not isinstance(intervals, list | tuple):
        raise ValueError(f"hours[{day!r}]: expected a list of [open, close] pairs, got {intervals!r}")
    parsed = []
    for number, pair in enumerate(intervals, 1):
        where = f"hours[{day!r}] interval {number}"
        if not isinstance(pair, list | tuple) or len(pair) != 2 or not all(isinstance(item, str) for item in pair):
            raise ValueError(f'{where}: expected an ["HH:MM", "HH:MM"] pair, got {pair!r}')
        opens, closes = _parse_time(pair[0], closing=False, where=where), _parse_time(pair[1], closing=True, where=where)
        if opens >= closes:
            raise ValueError(f"{where}: opening time {pair[0]} must be before closing time {pair[1]}")
        parsed.append((opens, closes))
    parsed.sort()
    merged: list[tuple[int, int]] = []
    for opens, closes in parsed:
        if merged and opens < merged[-1][1]:
            raise ValueError(f"hours[{day!r}]: intervals overlap around {opens // 60:02d}:{opens % 60:02d}")
        if merged and opens == merged[-1][1]:
            merged[-1] = (merged[-1][0], closes)
        else:
            merged.append((opens, closes))
    return tuple(merged)


def _parse_hours(hours: object) -> tuple[tuple[tuple[int, int], ...], ...]:
    if isinstance(hours, str):
        if hours.strip().lower() != "24x7":
            raise ValueError(f'hours: expected a weekday map or "24x7", got {hours!r}')
        return tuple(((0, _DAY),) for _ in WEEKDAYS)
    if not isinstance(hours, Mapping):
        raise ValueError(f'hours: expected a weekday map or "24x7", got {type(hours).__name__}')
    week: list[tuple[tuple[int, int], ...]] = [() for _ in WEEKDAYS]
    for key, intervals in hours.items():
        name = key.strip().lower() if isinstance(key, str) else key
        short = _FULL_NAMES.get(name, name)
        if short not in WEEKDAYS:
            raise ValueError(f"hours: unknown weekday {key!r} (use {', '.join(WEEKDAYS)})")
        if week[WEEKDAYS.index(short)]:
            raise ValueError(f"hours: weekday {short!r} given twice")
        week[WEEKDAYS.index(short)] = _parse_day(short, intervals)
    if not any(week):
        raise ValueError("hours: the calendar has no opening hours on any weekday")
    return tuple(week)


def _parse_holidays(values: object) -> frozenset[date]:
    if values is None:
        return frozenset()
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValueError(f"holidays: expected a list of ISO dates, got {values!r}")
    days = set()
    for value in values:
        if isinstance(value, date) and not isinstance(value, datetime):
            days.add(value)
            continue
        try:
            days.add(date.fromisoformat(value))
        except (TypeError, ValueError):
            raise ValueError(f"holidays: {value!r} is not an ISO date (YYYY-MM-DD)") from None
    return frozenset(days)


def _public_holidays(country: object, subdivision: object):
    if country is None:
        if subdivision is not None:
            raise ValueError("subdivision given without a country")
        return None
    import holidays  # imported on demand: loading the package's country tables takes a moment

    if not isinstance(country, str) or (subdivision is not None and not isinstance(subdivision, str)):
        raise ValueError(f"country/subdivision must be codes such as 'GB'/'ENG', got {country!r}/{subdivision!r}")
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as exc:
        raise ValueError(f"public holidays: {exc}") from None


def _to_us(value: datetime, name: str) -> int:
    """Microseconds since the epoch of an aware datetime."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_grid(minute: int, frac_us: int) -> datetime:
    return _EPOCH + timedelta(minutes=minute, microseconds=frac_us)


def _minutes(value: object, name: str = "minutes") -> int:
    number = operator.index(value)
    if number < 0:
        raise ValueError(f"{name} must not be negative, got {number}")
    return number


class _Timeline:
    """The merged UTC business spans (epoch minutes) of a range of local dates, with running totals."""

    __slots__ = ("first_day", "end_day", "lo", "hi", "starts", "ends", "totals")

    def __init__(self, first_day: int, end_day: int, spans: list[tuple[int, int]]):
        self.first_day, self.end_day = first_day, end_day  # local dates as days since the epoch, [first, end)
        # Instants in [lo, hi] only belong to dates of the range (their local date is within a day of the UTC date).
        self.lo = (first_day + _MARGIN_DAYS) * _DAY
        self.hi = (end_day - _MARGIN_DAYS) * _DAY
        starts, ends, totals = [], [], [0]
        for start, end in sorted(spans):
            if starts and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
                totals[-1] = totals[-2] + ends[-1] - starts[-1]
                continue
            starts.append(start)
            ends.append(end)
            totals.append(totals[-1] + end - start)
        self.starts, self.ends, self.totals = starts, ends, totals

    def before(self, minute: int) -> int:
        """Business minutes of the timeline that begin before ``minute``."""
        i = bisect_right(self.starts, minute) - 1
        if i < 0:
            return 0
        return self.totals[i] + min(minute, self.ends[i]) - self.starts[i]

    def locate(self, total: int) -> int | None:
        """The instant at which ``total`` business minutes have elapsed (None when past the timeline)."""
        k = bisect_left(self.totals, total)
        if k >= len(self.totals):
            return None
        j = max(k - 1, 0)
        end = self.starts[j] + total - self.totals[j]
        return end if end <= self.hi else None


class BusinessCalendar:
    """A zone, weekly opening intervals and holidays; answers business-minute questions about UTC instants."""

    def __init__(self, timezone: str, hours: object = "24x7", holidays: object = (), country: str | None = None, subdivision: str | None = None):
        if not isinstance(timezone, str) or not timezone:
            raise ValueError(f"timezone: expected an IANA zone name such as 'Europe/London', got {timezone!r}")
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory name such as 'America'
            raise ValueError(f"timezone: unknown IANA zone {timezone!r}") from None
        self.timezone = timezone
        self.week = _parse_hours(hours)
        self.holidays = _parse_holidays(holidays)
        self.country, self.subdivision = country, subdivision
        self._public = _public_holidays(country, subdivision)
        self._days: dict[int, tuple[tuple[int, int], ...]] = {}
        self._offsets: dict[int, int] = {}
        self._timeline: _Timeline | None = None
        self._lock = threading.Lock()
        # For far ranges: business minutes of each weekday, holidays as sorted day numbers with running totals
        # of the weekday minutes they remove, and per block of days the corrections near zone changes.
        self._week_minutes = tuple(sum(closes - opens for opens, closes in day) for day in self.week)
        self._holiday_years: frozenset[int] = frozenset()
        self._holiday_days: tuple[int, ...] = ()
        self._holiday_totals: tuple[int, ...] = (0,)
        self._blocks: dict[int, dict[int, int]] = {}

    @classmethod
    def from_spec(cls, spec: Mapping) -> BusinessCalendar:
        """Build a calendar from ``{"timezone", "hours", "holidays", "country", "subdivision"}``."""
        if not isinstance(spec, Mapping):
            raise ValueError(f"calendar spec must be a mapping, got {type(spec).__name__}")
        unknown = set(spec) - {"timezone", "hours", "holidays", "country", "subdivision"}
        if unknown:
            raise ValueError(f"calendar spec: unknown keys {', '.join(sorted(map(str, unknown)))}")
        if "timezone" not in spec or "hours" not in spec:
            raise ValueError("calendar spec needs 'timezone' and 'hours'")
        return cls(spec["timezone"], spec["hours"], spec.get("holidays") or (), spec.get("country"), spec.get("subdivision"))

    def __repr__(self) -> str:
        return f"<BusinessCalendar {self.timezone}>"

    # --- dates ---------------------------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or (self._public is not None and day in self._public)

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The UTC spans of business time on local date ``day``, in order."""
        return [(_from_grid(a, 0), _from_grid(b, 0)) for a, b in self._day_spans(day.toordinal() - _EPOCH_ORDINAL)]

    def _offset(self, minute: int) -> int:
        """UTC offset in seconds at an epoch minute."""
        offset = self._offsets.get(minute)
        if offset is None:
            offset = int(datetime.fromtimestamp(minute * 60, self.zone).utcoffset().total_seconds())
            self._offsets[minute] = offset
        return offset

    def _segments(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """(start, end, offset seconds) pieces of constant offset covering epoch minutes [lo, hi)."""
        first = lo - lo % _SAMPLE
        points = list(range(first, hi + _SAMPLE, _SAMPLE))
        segments: list[tuple[int, int, int]] = []
        start, offset = lo, self._offset(points[0])
        for left, right in zip(points, points[1:], strict=False):
            after = self._offset(right)
            if after == offset:
                continue
            while right - left > 1:  # the offset changes in (left, right]: find the first minute of the new one
                middle = (left + right) // 2
                if self._offset(middle) == offset:
                    left = middle
                else:
                    right = middle
            segments.append((start, right, offset))
            start, offset = right, after
        segments.append((start, hi, offset))
        return segments

    def _day_spans(self, day: int) -> tuple[tuple[int, int], ...]:
        """UTC spans (epoch minutes) of local date ``day`` (days since the epoch); cached."""
        spans = self._days.get(day)
        if spans is not None:
            return spans
        local = date.fromordinal(day + _EPOCH_ORDINAL)
        intervals = () if self.is_holiday(local) else self.week[local.weekday()]
        found: list[tuple[int, int]] = []
        if intervals:
            midnight = day * _DAY  # local wall clock of the date's start, written as if it were UTC
            # Wall-clock minute w is shown at UTC minute w - offset; offsets are well within a day.
            for seg_start, seg_end, offset in self._segments(midnight - _DAY, midnight + 2 * _DAY):
                for opens, closes in intervals:
                    start = max(seg_start, -((offset - (midnight + opens) * 60) // 60))
                    end = min(seg_end, -((offset - (midnight + closes) * 60) // 60))
                    if start < end:
                        found.append((start, end))
            found.sort()
        spans = tuple(found)
        self._days[day] = spans
        return spans

    # --- timeline ------------------------------------------------------------------------------

    def _covering(self, lo: int, hi: int) -> _Timeline:
        """A timeline valid for epoch minutes [lo, hi] (grown and cached as needed)."""
        timeline = self._timeline
        if timeline is not None and timeline.lo <= lo and hi <= timeline.hi:
            return timeline
        with self._lock:
            timeline = self._timeline
            if timeline is not None and timeline.lo <= lo and hi <= timeline.hi:
                return timeline
            need_first = lo // _DAY - _MARGIN_DAYS - 1  # so that the timeline's lo <= lo
            need_end = hi // _DAY + _MARGIN_DAYS + 1  # so that the timeline's hi >= hi
            if timeline is None or need_first > timeline.end_day + _CHUNK_DAYS or need_end < timeline.first_day - _CHUNK_DAYS:
                # Nothing cached, or the cached dates are far away: start afresh rather than fill the gap.
                first, end = need_first - 31, max(need_end, need_first + _CHUNK_DAYS)
            else:
                first, end = timeline.first_day, timeline.end_day
                if need_first < first:
                    first = min(need_first, first - _CHUNK_DAYS)
                if need_end > end:
                    end = max(need_end, end + _CHUNK_DAYS)
            first = max(first, date.min.toordinal() - _EPOCH_ORDINAL + 1)
            end = min(end, date.max.toordinal() - _EPOCH_ORDINAL)
            spans = [span for day in range(first, end) for span in self._day_spans(day)]
            timeline = _Timeline(first, end, spans)
            if not (timeline.lo <= lo and hi <= timeline.hi):
                raise ValueError("instant outside the range of dates a calendar can handle")
            self._timeline = timeline
            return timeline

    def _advance(self, minute: int, count: int) -> int:
        """The epoch minute ending the ``count``-th business minute at or after ``minute`` (count > 0)."""
        timeline = self._covering(minute, minute)
        horizon = minute
        while timeline.hi - minute <= _FAR_DAYS * _DAY:
            end = timeline.locate(timeline.before(minute) + count)
            if end is not None:
                return end
            horizon = max(horizon, timeline.hi) + _CHUNK_DAYS * _DAY
            timeline = self._covering(minute, horizon)
        return self._advance_far(minute, count)

    def _advance_far(self, minute: int, count: int) -> int:
        """:meth:`_advance` for an end far away: find its UTC day by binary search over counts, then lay out that day."""
        first = minute // _DAY + 1
        last = min(minute // _DAY + _HORIZON_DAYS, date.max.toordinal() - _EPOCH_ORDINAL - 2 * _MARGIN_DAYS)
        if last < first or self._count(minute, last * _DAY) < count:
            raise ValueError(f"no {count} business minutes within 200 years of the start in this calendar")
        while first < last:  # the first day boundary by which ``count`` business minutes have passed
            middle = (first + last) // 2
            if self._count(minute, middle * _DAY) >= count:
                last = middle
            else:
                first = middle + 1
        base = max(minute, (first - 1) * _DAY)
        rest = count - self._count(minute, base)
        timeline = self._covering(base, first * _DAY)
        end = timeline.locate(timeline.before(base) + rest)
        if end is None:  # cannot happen: ``rest`` business minutes begin before the day boundary found above
            raise ValueError("business-minute arithmetic out of step")
        return end

    def _count(self, lo: int, hi: int) -> int:
        """Business minutes beginning in epoch minutes [lo, hi)."""
        if hi <= lo:
            return 0
        if hi - lo > _FAR_DAYS * _DAY:
            return self._count_far(lo, hi)
        timeline = self._covering(lo, hi)
        return timeline.before(hi) - timeline.before(lo)

    # --- far ranges ----------------------------------------------------------------------------

    def _count_far(self, lo: int, hi: int) -> int:
        """Business minutes beginning in epoch minutes [lo, hi), summing the local dates inside arithmetically.

        A local date's instants lie within UTC days [d - 1, d + 2), so dates from lo's UTC day + 2 to hi's UTC
        day - 2 lie wholly inside the range; the few dates at either end are intersected with it span by span.
        """
        inner_first, inner_end = lo // _DAY + _MARGIN_DAYS, hi // _DAY - _MARGIN_DAYS
        total = self._date_minutes(inner_first, inner_end)
        for day in [*range(lo // _DAY - 1, inner_first), *range(inner_end, hi // _DAY + 2)]:
            total += sum(max(0, min(end, hi) - max(start, lo)) for start, end in self._day_spans(day))
        return total

    def _date_minutes(self, first: int, end: int) -> int:
        """Business minutes of local dates [first, end) (days since the epoch): weeks, holidays, zone changes."""
        if end <= first:
            return 0
        weeks, rest = divmod(end - first, 7)
        weekday = (first + 3) % 7  # 1970-01-01 was a Thursday
        total = weeks * sum(self._week_minutes) + sum(self._week_minutes[(weekday + i) % 7] for i in range(rest))
        self._load_holidays(first, end)
        days, totals = self._holiday_days, self._holiday_totals
        total -= totals[bisect_left(days, end)] - totals[bisect_left(days, first)]
        corrections: dict[int, int] = {}
        for block in range((first - _MARGIN_DAYS - 1) // _BLOCK_DAYS, (end + _MARGIN_DAYS + 1) // _BLOCK_DAYS + 1):
            corrections.update(self._block_corrections(block))
        return total + sum(value for day, value in corrections.items() if first <= day < end)

    def _nominal(self, day: int) -> int:
        """Business minutes of local date ``day`` when the UTC offset does not change around it."""
        return 0 if self.is_holiday(date.fromordinal(day + _EPOCH_ORDINAL)) else self._week_minutes[(day + 3) % 7]

    def _load_holidays(self, first: int, end: int) -> None:
        """Make sure the sorted holiday days cover the years of local dates [first, end)."""
        years = range(date.fromordinal(first + _EPOCH_ORDINAL).year, date.fromordinal(end - 1 + _EPOCH_ORDINAL).year + 1)
        if self._holiday_years and (self._public is None or all(year in self._holiday_years for year in years)):
            return
        with self._lock:
            self._index_holidays(frozenset(self._holiday_years) | frozenset(years))

    def _index_holidays(self, years: frozenset[int]) -> None:
        public: set[date] = set()
        if self._public is not None:
            for year in sorted(years):
                date(year, 1, 1) in self._public  # noqa: B015 - membership fills in the year's public holidays
            public = {day for day in list(self._public) if day.year in years}
        days = sorted(day.toordinal() - _EPOCH_ORDINAL for day in self.holidays | public)
        totals = [0]
        for day in days:
            totals.append(totals[-1] + self._week_minutes[(day + 3) % 7])
        self._holiday_days, self._holiday_totals, self._holiday_years = tuple(days), tuple(totals), years

    def _block_corrections(self, block: int) -> dict[int, int]:
        """For dates next to a change of UTC offset in a block of days: actual minus nominal business minutes."""
        found = self._blocks.get(block)
        if found is not None:
            return found
        lo = block * _BLOCK_DAYS * _DAY
        points = [lo + i * _WEEK_DAYS * _DAY for i in range(_BLOCK_DAYS // _WEEK_DAYS + 1)]
        found = {}
        for left, right in zip(points, points[1:], strict=False):
            if self._offset(left) == self._offset(right):
                continue
            before = self._offset(left)
            while right - left > 1:  # the single change in (left, right]: its first minute
                middle = (left + right) // 2
                if self._offset(middle) == before:
                    left = middle
                else:
                    right = middle
            for day in range(right // _DAY - _MARGIN_DAYS, right // _DAY + _MARGIN_DAYS + 1):
                found[day] = sum(end - begin for begin, end in self._day_spans(day)) - self._nominal(day)
        self._blocks[block] = found
        return found

    # --- public arithmetic ---------------------------------------------------------------------

    def add_business_minutes(self, start: datetime, minutes: int) -> datetime:
        """The end of the ``minutes``-th business minute counted from ``start`` (``start`` itself for 0)."""
        start_us = _to_us(start, "start")
        minutes = _minutes(minutes)
        if minutes == 0:
            return start.astimezone(UTC)
        minute, frac = divmod(start_us, _MINUTE_US)
        return _from_grid(self._advance(minute, minutes), frac)

    def business_minutes_between(self, start: datetime, end: datetime) -> int:
        """Business minutes in [start, end) (complete minutes of the grid anchored at ``start``; 0 if end <= start)."""
        start_us, end_us = _to_us(start, "start"), _to_us(end, "end")
        minute, frac = divmod(start_us, _MINUTE_US)
        return self._count(minute, (end_us - frac) // _MINUTE_US)

    def due_at(self, start: datetime, minutes: int, pauses: Iterable[tuple[datetime, datetime]] = ()) -> datetime:
        """Like :meth:`add_business_minutes`, but minutes inside any ``(pause_start, pause_end)`` do not count."""
        start_us = _to_us(start, "start")
        remaining = _minutes(minutes)
        minute, frac = divmod(start_us, _MINUTE_US)
        windows = []
        for number, pause in enumerate(pauses, 1):
            try:
                pause_start, pause_end = pause
            except (TypeError, ValueError):
                raise ValueError(f"pause {number}: expected a (start, end) pair, got {pause!r}") from None
            lo_us, hi_us = _to_us(pause_start, f"pause {number} start"), _to_us(pause_end, f"pause {number} end")
            if hi_us < lo_us:
                raise ValueError(f"pause {number}: ends before it starts ({pause_start.isoformat()} > {pause_end.isoformat()})")
            # Grid minutes whose beginning lies in [pause_start, pause_end).
            lo, hi = -((frac - lo_us) // _MINUTE_US), -((frac - hi_us) // _MINUTE_US)
            if hi > minute and lo < hi:
                windows.append((max(lo, minute), hi))
        if remaining == 0:
            return start.astimezone(UTC)
        windows.sort()
        cursor = minute
        for lo, hi in windows:
            if hi <= cursor:
                continue
            if lo > cursor:
                available = self._count(cursor, lo)
                if available >= remaining:
                    break
                remaining -= available
            cursor = hi
        return _from_grid(self._advance(cursor, remaining), frac)
