"""Local time and locale: Flask-Babel's selectors, the viewer override for emails and jobs, and the display filters.

Instants are stored in UTC. Whoever reads them (the signed-in user on a page, the recipient of an email) is the
*viewer*: instants are shown in the viewer's IANA zone with its abbreviation, dates and numbers in the viewer's
locale. Which zone and locale a person has is decided by one resolver that the accounts package registers
(`init_app(app, resolve_viewer)`); this module knows nothing of users or agencies.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import flask_babel
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import current_app, g, has_app_context

DEFAULT_ZONE = "UTC"
DEFAULT_LOCALE = "en_GB"
# The locales people can choose: the app's words are English, so the choice is how dates and numbers read.
LOCALES = {
    "en_GB": "English (United Kingdom): 3 Dec 2026, 14:30",
    "en_US": "English (United States): Dec 3, 2026, 2:30 PM",
    "en_IE": "English (Ireland)",
    "en_CA": "English (Canada)",
    "en_AU": "English (Australia)",
    "en_NZ": "English (New Zealand)",
    "en_ZA": "English (South Africa)",
    "en_IN": "English (India)",
    "de_DE": "German (Germany): 03.12.2026, 14:30",
    "fr_FR": "French (France): 3 déc. 2026, 14:30",
    "es_ES": "Spanish (Spain)",
    "nl_NL": "Dutch (Netherlands)",
}


@dataclass(frozen=True)
class Viewer:
    """Who the text is for, as far as formatting goes: an IANA zone name and a Babel locale identifier."""

    zone: str = DEFAULT_ZONE
    locale: str = DEFAULT_LOCALE

    @property
    def tzinfo(self) -> ZoneInfo:
        return zone(self.zone)


DEFAULT_VIEWER = Viewer()


# --- validation --------------------------------------------------------------------------------------------------


@cache
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone people pick from (the legacy aliases left out), UTC first."""
    zones = sorted(z for z in zone_names() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    return [("UTC", "UTC")] + [(z, z.replace("_", " ")) for z in zones]


def locale_choices() -> list[tuple[str, str]]:
    return list(LOCALES.items())


def is_zone(name: str | None) -> bool:
    return bool(name) and name in zone_names()


def is_locale(name: str | None) -> bool:
    return bool(name) and name in LOCALES


@cache
def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo of an IANA name; UTC for an empty or unknown one (stored values are validated on the way in)."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


# --- the viewer ---------------------------------------------------------------------------------------------------

_resolver: Callable[[], Viewer | None] = lambda: None


def init_app(app, resolve_viewer: Callable[[], Viewer | None]) -> None:
    """Install Flask-Babel with selectors that ask `resolve_viewer` (the current user, else the tenant's agency)."""
    global _resolver
    _resolver = resolve_viewer
    flask_babel.Babel(app, locale_selector=lambda: current_viewer().locale, timezone_selector=lambda: current_viewer().zone, configure_jinja=False)
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
    app.add_template_global(viewer_zone_name)
    app.add_template_global(zone_abbreviation)


def current_viewer() -> Viewer:
    """The viewer of what is being rendered: an override (`viewing_as`) first, else the resolver's answer, else en-GB/UTC."""
    if not has_app_context():
        return DEFAULT_VIEWER
    override = g.get("_viewer_override")
    if override is not None:
        return override
    return _resolver() or DEFAULT_VIEWER


@contextmanager
def viewing_as(viewer: Viewer | None):
    """Render a block for another person (an email's recipient, a job's subject): their zone and locale, then back."""
    if viewer is None or not has_app_context():
        yield
        return
    previous = g.get("_viewer_override")
    g._viewer_override = viewer
    flask_babel.refresh()  # Flask-Babel caches the selectors' answers per context
    try:
        with flask_babel.force_locale(viewer.locale):
            yield
    finally:
        g._viewer_override = previous
        flask_babel.refresh()


def viewer_zone() -> ZoneInfo:
    return zone(current_viewer().zone)


def as_zone(tz: ZoneInfo | str | None) -> ZoneInfo:
    """A ZoneInfo from a ZoneInfo or an IANA name; the viewer's zone for None."""
    if tz is None:
        return viewer_zone()
    return zone(tz) if isinstance(tz, str) else tz


def viewer_zone_name() -> str:
    return current_viewer().zone


def _locale() -> Locale:
    if has_app_context() and "babel" in current_app.extensions:
        return flask_babel.get_locale() or Locale.parse(DEFAULT_LOCALE)
    return Locale.parse(current_viewer().locale)


# --- instants and days --------------------------------------------------------------------------------------------


def _instant(value) -> datetime | None:
    """An aware datetime from a datetime or an ISO string (instants kept in JSON are strings); naive ones are UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def local(value: datetime, tz: ZoneInfo | str | None = None) -> datetime:
    """An instant on the wall clock of `tz` (a ZoneInfo or an IANA name; the viewer's zone by default)."""
    return value.astimezone(as_zone(tz))


def zone_abbreviation(value: datetime | None = None, tz: ZoneInfo | str | None = None) -> str:
    """The zone's abbreviation at that instant (GMT or BST, EST or EDT; tzdata's "+04" where a zone has none)."""
    return local(value or datetime.now(UTC), tz).tzname() or ""


def format_datetime(value, *, tz: ZoneInfo | str | None = None, with_zone: bool = True) -> str:
    """An instant as the viewer reads it: "3 Dec 2026, 08:30 GMT" (en-GB) or "Dec 3, 2026, 3:30 AM EST" (en-US)."""
    if value is None:
        return "—"
    instant = _instant(value)
    if instant is None:
        return str(value)
    locale = _locale()
    wall = local(instant, tz)
    text = (
        locale.datetime_formats["medium"]
        .replace("'", "")
        .replace("{0}", babel_dates.format_time(wall.time(), "short", locale=locale))
        .replace("{1}", babel_dates.format_date(wall.date(), "medium", locale=locale))
    )
    return f"{text} {wall.tzname()}" if with_zone else text


def format_time(value, *, tz: ZoneInfo | str | None = None, with_zone: bool = True) -> str:
    """The time of day of an instant: "08:30 GMT" or "3:30 AM EST"."""
    instant = _instant(value)
    if instant is None:
        return "—" if value is None else str(value)
    wall = local(instant, tz)
    text = babel_dates.format_time(wall.time(), "short", locale=_locale())
    return f"{text} {wall.tzname()}" if with_zone else text


def format_day(value, form: str = "medium", *, tz: ZoneInfo | str | None = None) -> str:
    """A date (or an ISO date string, as custom fields keep them) as the viewer reads it: 3 Dec 2026 / Dec 3, 2026.

    An instant is first placed on the viewer's wall clock, so its day is the viewer's day.
    `form` is "medium", "long", "full", or a CLDR skeleton such as "MMMEd" (Thu 3 Dec / Thu, Dec 3) or "yMMMM".
    """
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            instant = _instant(value)
            if instant is None:
                return value
            value = instant
    if isinstance(value, datetime):
        value = local(_instant(value), tz).date()
    if not isinstance(value, date):
        return str(value)
    locale = _locale()
    if form in ("short", "medium", "long", "full"):
        return babel_dates.format_date(value, form, locale=locale)
    return babel_dates.format_skeleton(form, value, locale=locale)


def format_number(value, digits: int = 0) -> str:
    """A number in the viewer's locale with exactly `digits` decimals: 1,234.5 / 1.234,5."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return babel_numbers.format_decimal(value, pattern, locale=_locale())


def format_percent(value, digits: int = 0) -> str:
    """A percentage given as 0..100 in the viewer's locale: 97.5% / 97,5 %."""
    if value is None:
        return "—"
    locale = _locale()
    # The locale's own pattern (where the sign goes, a space before it or not) with exactly `digits` decimals.
    pattern = locale.percent_formats[None].pattern.replace("0", "0" + ("." + "0" * digits if digits else ""), 1)
    return babel_numbers.format_percent(Decimal(str(value)) / 100, pattern, locale=locale)


def format_currency(amount, currency: str, *, locale: str | None = None) -> str:
    """Money in the viewer's locale (or `locale`): £1,234.50, $1,234.50, 1.234,50 €. Amounts are Decimal or minor-unit-free numbers."""
    return babel_numbers.format_currency(amount, currency.upper(), locale=Locale.parse(locale) if locale else _locale())


def iso_instant(value) -> str:
    """An instant for machines (`<time datetime>`, CSV): ISO 8601 in UTC, whole seconds, with Z. Empty for none."""
    instant = _instant(value)
    if instant is None:
        return ""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def iso_local(value, tz: ZoneInfo | str | None = None) -> str:
    """An instant for people's spreadsheets (CSV): ISO 8601 on the viewer's wall clock (or `tz`'s) with its offset."""
    instant = _instant(value)
    if instant is None:
        return ""
    return local(instant, tz).replace(microsecond=0).isoformat()


# --- inputs -------------------------------------------------------------------------------------------------------


def input_value(value, tz: ZoneInfo | str | None = None) -> str:
    """A `datetime-local` field's value for an instant, on the viewer's wall clock (or `tz`'s)."""
    instant = _instant(value)
    return local(instant, tz).strftime("%Y-%m-%dT%H:%M") if instant is not None else ""


def parse_local(raw: str | None, tz: ZoneInfo | str | None = None) -> datetime | None:
    """A `datetime-local` value read on the viewer's wall clock (or `tz`'s), as a UTC instant.

    A value with its own offset keeps it. In the hour the clocks go back, the earlier instant is meant; a time
    skipped when they go forward is read on the clock before the change (02:30 becomes 03:30 summer time).
    Raises ValueError for text that is not a date and time.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        value = value.replace(tzinfo=as_zone(tz))
    return value.astimezone(UTC)


def combine_local(day: date, at: time, tz: ZoneInfo | str | None = None) -> datetime:
    """A date and a wall-clock time in a zone (the viewer's by default), as a UTC instant."""
    return datetime.combine(day, at, tzinfo=as_zone(tz)).astimezone(UTC)


def day_start(day: date, tz: ZoneInfo | str | None = None) -> datetime:
    """The UTC instant a local date begins in a zone (the viewer's by default)."""
    return combine_local(day, time.min, tz)


def day_range(first: date, last: date, tz: ZoneInfo | str | None = None) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the local dates first..last inclusive (a day is 23 or 25 hours across a change)."""
    return day_start(first, tz), day_start(last + timedelta(days=1), tz)


def today(now: datetime, tz: ZoneInfo | str | None = None) -> date:
    """The local date of an instant in a zone (the viewer's by default)."""
    return local(now, tz).date()


def week_monday(now: datetime, tz: ZoneInfo | str | None = None) -> date:
    """The Monday of the local week an instant falls in."""
    day = today(now, tz)
    return day - timedelta(days=day.weekday())


FILTERS = {
    "dt": format_datetime,
    "day": format_day,
    "clock": format_time,
    "number": format_number,
    "percent": format_percent,
    "money": format_currency,
    "iso": iso_instant,
    "local_input": input_value,
}
