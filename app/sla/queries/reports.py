"""SLA report figures for a scope and a date range: the one query module behind report pages, CSV, API, portal and billing.

Definitions (the range is [start, end], whole days of the agency's time zone, both inclusive):

- Counted tasks: tasks with an SLA (`sla_policy_version_id` set) that are not cancelled, inside `base` (the caller's
  reach; None = the whole tenant) and the scope (client, queue, service line of the task type, assignee).
- Resolution: a task counts when its `resolution_due_at` falls in the range. Met: `resolved_at` set and
  `resolution_breached_at` NULL. Breached: `resolution_breached_at` set. Otherwise pending.
- First response: the same with `first_response_due_at`, `first_responded_at` and `first_response_breached_at`.
- Compliance % = met / (met + breached) * 100, rounded to one decimal; None when nothing is decided yet.
- Response time: median and p90 of `first_response_minutes` over tasks whose `first_responded_at` is in the range;
  resolution time: the same of `resolution_minutes` over tasks whose `resolved_at` is in the range. Percentiles are
  linearly interpolated between the closest ranks (median of an even count = mean of the middle two), reported in
  business hours rounded to two decimals; None when there are no values.
- Waiting on the client: total and average `sla_waiting_minutes` over the tasks whose resolution is due in the range.
- Weekly trend: every ISO week (Monday to Sunday, in the agency's zone) that meets the range, empty ones included; per week the
  resolution figures of the tasks due in both the week and the range (so the first and last weeks may be partial).
- Breaches: `SlaEvent` rows of kind `breached` whose `occurred_at` is in the range, for counted tasks, newest first.

Counting is done in SQL (conditional counts and GROUP BY, the same on SQLite and PostgreSQL). On PostgreSQL the
percentiles are aggregates too (percentile_cont) and every figure of a report comes from one pass over the range's
tasks (all four breakdowns from one more, with GROUPING SETS); SQLite has no percentile aggregate, so there they are
computed in Python from the fetched minute values, with the same interpolation. Every statement is an ORM select, so
tenant scoping applies.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, func, literal, null, or_, select, text, tuple_

from app.accounts.localtime import tenant_zone
from app.accounts.models import User
from app.catalog.models import ServiceLine, TaskType
from app.core import localtime
from app.core.types import utcnow
from app.extensions import db
from app.sla.models import SlaEvent
from app.work.models import Queue, Task
from tenants.models import Client

MIN_DAY, MAX_DAY = date(1970, 1, 1), date(9998, 12, 31)
MAX_DAYS = 731  # two years: at most 106 weekly buckets
FILL_SPAN = timedelta(days=34)  # five weeks, counting both ends
DIMENSIONS = ("client", "queue", "service_line", "assignee")
DIMENSION_LABELS = {"client": "Client", "queue": "Queue", "service_line": "Service", "assignee": "Staff member"}
UNASSIGNED = "Unassigned"


class InvalidRange(ValueError):
    """A report range that cannot be reported on; the message says why, in words for the user."""


@dataclass(frozen=True)
class ReportScope:
    """What a report narrows to; None everywhere is everything the base reaches."""

    client_id: uuid.UUID | None = None
    queue_id: uuid.UUID | None = None
    service_line_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None

    def narrow(self, stmt: Select) -> Select:
        if self.client_id is not None:
            stmt = stmt.where(Task.client_id == self.client_id)
        if self.queue_id is not None:
            stmt = stmt.where(Task.queue_id == self.queue_id)
        if self.assignee_id is not None:
            stmt = stmt.where(Task.assignee_id == self.assignee_id)
        if self.service_line_id is not None:
            stmt = stmt.where(Task.task_type_id.in_(select(TaskType.id).where(TaskType.service_line_id == self.service_line_id)))
        return stmt


@dataclass(frozen=True)
class MetricFigures:
    """One clock's outcomes over the tasks due in a period."""

    due: int = 0
    met: int = 0
    breached: int = 0

    @property
    def pending(self) -> int:
        return self.due - self.met - self.breached

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def compliance(self) -> float | None:
        return round(100 * self.met / self.decided, 1) if self.decided else None


@dataclass(frozen=True)
class DurationFigures:
    """How long a clock took (business hours) over the tasks that stopped it in the range."""

    count: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None

    @classmethod
    def of(cls, minutes: list[int]) -> DurationFigures:
        def hours(value):
            return round(value / 60, 2) if value is not None else None

        return cls(len(minutes), hours(percentile(minutes, 0.5)), hours(percentile(minutes, 0.9)))


@dataclass(frozen=True)
class WaitingFigures:
    """Business time spent waiting on the client, over the tasks whose resolution is due in the range."""

    tasks: int = 0
    total_minutes: int = 0

    @property
    def average_minutes(self) -> float | None:
        return round(self.total_minutes / self.tasks, 1) if self.tasks else None

    @property
    def total_hours(self) -> float:
        return round(self.total_minutes / 60, 2)


@dataclass(frozen=True)
class Figures:
    """The headline figures of a report, or of one row of a breakdown."""

    resolution: MetricFigures = field(default_factory=MetricFigures)
    first_response: MetricFigures = field(default_factory=MetricFigures)
    response_time: DurationFigures = field(default_factory=DurationFigures)
    resolution_time: DurationFigures = field(default_factory=DurationFigures)
    waiting: WaitingFigures = field(default_factory=WaitingFigures)

    @property
    def has_data(self) -> bool:
        return bool(self.resolution.due or self.first_response.due or self.response_time.count or self.resolution_time.count)


@dataclass(frozen=True)
class Week:
    start: date  # the Monday
    end: date  # the Sunday
    resolution: MetricFigures

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Breach:
    task_id: uuid.UUID
    reference: str
    title: str
    client_id: uuid.UUID
    client_name: str | None
    queue_id: uuid.UUID
    queue_name: str | None
    assignee_id: uuid.UUID | None
    assignee_name: str | None
    metric: str
    due_at: datetime | None
    occurred_at: datetime


@dataclass(frozen=True)
class SlaReport:
    start: date
    end: date
    scope: ReportScope
    generated_at: datetime
    figures: Figures
    weeks: list[Week]
    breaches: list[Breach]
    breach_count: int

    @property
    def has_data(self) -> bool:
        return self.figures.has_data or self.breach_count > 0


@dataclass(frozen=True)
class BreakdownRow:
    dimension: str
    key: uuid.UUID | None
    name: str
    figures: Figures


# --- ranges ------------------------------------------------------------------------------------


def check_range(start: date, end: date) -> None:
    if not (MIN_DAY <= start <= MAX_DAY and MIN_DAY <= end <= MAX_DAY):
        raise InvalidRange(f"Dates must fall between {MIN_DAY.isoformat()} and {MAX_DAY.isoformat()}.")
    if end < start:
        raise InvalidRange("The end date is before the start date: choose a “to” date on or after the “from” date.")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidRange(f"Choose a range of at most {MAX_DAYS} days.")


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last four full weeks and this week: Monday four weeks ago to this coming Sunday."""
    today = today or localtime.today(utcnow(), tenant_zone())
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=4), monday + timedelta(days=6)


def _fits(start: date, end: date) -> bool:
    return start <= end and (end - start).days < MAX_DAYS


def fill_range(start: date | None, end: date | None, today: date | None = None) -> tuple[date, date]:
    """A range with a missing end filled in: the default one where that fits, else five weeks from the given end."""
    default_start, default_end = default_range(today)
    try:
        if start is None:
            start = default_start if end is None or _fits(default_start, end) else end - FILL_SPAN
        if end is None:
            end = default_end if _fits(start, default_end) else start + FILL_SPAN
    except OverflowError:
        raise InvalidRange(f"Dates must fall between {MIN_DAY.isoformat()} and {MAX_DAY.isoformat()}.") from None
    return start, end


def _instant(day: date, zone=None) -> datetime:
    """Where a day begins for the agency: reports count the agency's days, weeks and months, not UTC's."""
    return localtime.day_start(day, zone or tenant_zone())


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    check_range(start, end)
    zone = tenant_zone()  # read once: every instant of a report is on the same agency clock
    return _instant(start, zone), _instant(end + timedelta(days=1), zone)


def percentile(values, fraction: float) -> float | None:
    """The `fraction` quantile, linearly interpolated between the closest ranks; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * fraction
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# --- the statements ----------------------------------------------------------------------------


def _counted(base: Select | None, scope: ReportScope | None) -> list:
    """WHERE criteria of the counted tasks: with an SLA, not cancelled, in the base's reach and the scope."""
    criteria = [Task.sla_policy_version_id.is_not(None), Task.status != "cancelled"]
    if base is not None:
        if [getattr(f, "name", None) for f in base.get_final_froms()] == [Task.__tablename__] and base._limit_clause is None:
            if base.whereclause is not None:
                criteria.append(base.whereclause)
        else:  # a base with joins or limits: keep its exact meaning
            criteria.append(Task.id.in_(base.with_only_columns(Task.id).order_by(None)))
    narrowed = (scope or ReportScope()).narrow(select(Task.id))
    if narrowed.whereclause is not None:
        criteria.append(narrowed.whereclause)
    return criteria


def _key_column(dimension: str | None):
    columns = {"client": Task.client_id, "queue": Task.queue_id, "assignee": Task.assignee_id, "service_line": TaskType.service_line_id, None: null()}
    if dimension not in columns:
        raise ValueError(f"unknown breakdown dimension {dimension}")
    return columns[dimension]


def _tasks_select(criteria: list, dimension: str | None, *columns) -> Select:
    stmt = select(*columns).select_from(Task)
    if dimension == "service_line":
        stmt = stmt.join(TaskType, and_(TaskType.agency_id == Task.agency_id, TaskType.id == Task.task_type_id))
    return stmt.where(*criteria)


def _between(column, lo: datetime, hi: datetime):
    return and_(column >= lo, column < hi)


def _outcome_counts(due_column, met_clause, breached_column, lo, hi) -> list:
    due = _between(due_column, lo, hi)
    return [
        func.count().filter(due),
        func.count().filter(and_(due, met_clause, breached_column.is_(None))),
        func.count().filter(and_(due, breached_column.is_not(None))),
    ]


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _without_jit() -> None:
    """Switch JIT compilation off for the rest of this transaction (PostgreSQL).

    A report's statements aggregate a few hundred thousand rows at most in well under a second; compiling each one
    costs more than it saves. SET LOCAL ends with the transaction, so the request's other statements keep the default.
    """
    if _postgresql():
        db.session.execute(text("SET LOCAL jit = off"))


def _in_range(lo: datetime, hi: datetime):
    """Tasks counted by any figure of the range: due (either clock), responded or resolved in it."""
    return or_(
        _between(Task.resolution_due_at, lo, hi),
        _between(Task.first_response_due_at, lo, hi),
        _between(Task.first_responded_at, lo, hi),
        _between(Task.resolved_at, lo, hi),
    )


def _aggregates(lo: datetime, hi: datetime) -> list:
    """Every headline figure as one aggregate each (PostgreSQL): outcome counts, waiting, and the duration percentiles."""
    resolution_due = _between(Task.resolution_due_at, lo, hi)
    columns = [
        *_outcome_counts(Task.resolution_due_at, Task.resolved_at.is_not(None), Task.resolution_breached_at, lo, hi),
        *_outcome_counts(Task.first_response_due_at, Task.first_responded_at.is_not(None), Task.first_response_breached_at, lo, hi),
        func.coalesce(func.sum(Task.sla_waiting_minutes).filter(resolution_due), 0),
    ]
    for stopped_at, minutes in ((Task.first_responded_at, Task.first_response_minutes), (Task.resolved_at, Task.resolution_minutes)):
        stopped = and_(_between(stopped_at, lo, hi), minutes.is_not(None))
        # percentile_cont interpolates linearly between the closest ranks, as percentile() does.
        columns += [
            func.count(minutes).filter(stopped),
            func.percentile_cont(0.5).within_group(minutes).filter(stopped),
            func.percentile_cont(0.9).within_group(minutes).filter(stopped),
        ]
    return columns


def _hours(minutes) -> float | None:
    return round(float(minutes) / 60, 2) if minutes is not None else None


def _aggregated_figures(r) -> Figures:
    """Figures from the values of _aggregates(), in order."""
    return Figures(
        resolution=MetricFigures(*r[0:3]),
        first_response=MetricFigures(*r[3:6]),
        response_time=DurationFigures(int(r[7]), _hours(r[8]), _hours(r[9])),
        resolution_time=DurationFigures(int(r[10]), _hours(r[11]), _hours(r[12])),
        waiting=WaitingFigures(r[0], int(r[6] or 0)),
    )


def _figures_by(criteria: list, dimension: str | None, lo: datetime, hi: datetime) -> dict:
    """Figures per key of `dimension` (one entry, key None, when dimension is None).

    PostgreSQL: one grouped statement, percentiles included. SQLite (no percentile aggregate): the counts grouped, then
    the minute values fetched and their percentiles computed here, with the same interpolation.
    """
    key = _key_column(dimension)
    keys = (key,) if dimension else ()
    if _postgresql():
        stmt = _tasks_select(criteria, dimension, key, *_aggregates(lo, hi)).where(_in_range(lo, hi)).group_by(*keys)
        return {row[0]: _aggregated_figures(row[1:]) for row in db.session.execute(stmt)}
    resolution_due = _between(Task.resolution_due_at, lo, hi)
    counts = (
        _tasks_select(
            criteria,
            dimension,
            key,
            *_outcome_counts(Task.resolution_due_at, Task.resolved_at.is_not(None), Task.resolution_breached_at, lo, hi),
            *_outcome_counts(Task.first_response_due_at, Task.first_responded_at.is_not(None), Task.first_response_breached_at, lo, hi),
            func.coalesce(func.sum(Task.sla_waiting_minutes).filter(resolution_due), 0),
        )
        .where(or_(resolution_due, _between(Task.first_response_due_at, lo, hi)))
        .group_by(*keys)
    )
    rows = {row[0]: row[1:] for row in db.session.execute(counts)}
    durations: dict = {}
    for name, stopped_at, minutes in (
        ("response", Task.first_responded_at, Task.first_response_minutes),
        ("resolution", Task.resolved_at, Task.resolution_minutes),
    ):
        stmt = _tasks_select(criteria, dimension, key, minutes).where(_between(stopped_at, lo, hi), minutes.is_not(None))
        for row_key, value in db.session.execute(stmt):
            durations.setdefault(row_key, {}).setdefault(name, []).append(int(value))
    figures = {}
    for row_key in set(rows) | set(durations):
        r = rows.get(row_key, (0,) * 7)
        d = durations.get(row_key, {})
        figures[row_key] = Figures(
            resolution=MetricFigures(*r[0:3]),
            first_response=MetricFigures(*r[3:6]),
            response_time=DurationFigures.of(d.get("response", [])),
            resolution_time=DurationFigures.of(d.get("resolution", [])),
            waiting=WaitingFigures(r[0], int(r[6] or 0)),
        )
    return figures


def _figures_by_each(criteria: list, dimensions: tuple, lo: datetime, hi: datetime) -> dict:
    """{dimension: figures per key} for several dimensions; on PostgreSQL in one pass (GROUPING SETS)."""
    if not _postgresql() or len(dimensions) < 2:
        return {dimension: _figures_by(criteria, dimension, lo, hi) for dimension in dimensions}
    keys = [_key_column(dimension) for dimension in dimensions]
    stmt = (
        _tasks_select(criteria, "service_line" if "service_line" in dimensions else None, func.grouping(*keys), *keys, *_aggregates(lo, hi))
        .where(_in_range(lo, hi))
        .group_by(func.grouping_sets(*[tuple_(key) for key in keys]))
    )
    # GROUPING() sets a bit per argument left out of the row's grouping set, the first argument highest.
    full = (1 << len(keys)) - 1
    which = {full - (1 << (len(keys) - 1 - index)): index for index in range(len(keys))}
    result: dict = {dimension: {} for dimension in dimensions}
    for row in db.session.execute(stmt):
        index = which[row[0]]
        result[dimensions[index]][row[1 + index]] = _aggregated_figures(row[1 + len(keys) :])
    return result


def _weeks(criteria: list, start: date, end: date, lo: datetime, hi: datetime) -> list[Week]:
    first_monday = start - timedelta(days=start.weekday())
    mondays = [first_monday + timedelta(weeks=i) for i in range((end - first_monday).days // 7 + 1)]
    zone = tenant_zone()
    boundaries = [_instant(monday, zone) for monday in mondays[1:]]
    week = (
        case(*[(Task.resolution_due_at < boundary, index) for index, boundary in enumerate(boundaries)], else_=len(boundaries))
        if boundaries
        else literal(0)
    )
    # Grouped over a derived table: PostgreSQL would not match a GROUP BY CASE whose parameters are bound twice.
    inner = (
        _tasks_select(criteria, None, week.label("week"), Task.resolved_at, Task.resolution_breached_at)
        .where(_between(Task.resolution_due_at, lo, hi))
        .subquery()
    )
    stmt = select(
        inner.c.week,
        func.count(),
        func.count().filter(and_(inner.c.resolved_at.is_not(None), inner.c.resolution_breached_at.is_(None))),
        func.count().filter(inner.c.resolution_breached_at.is_not(None)),
    ).group_by(inner.c.week)
    counts = {int(row[0]): MetricFigures(*row[1:]) for row in db.session.execute(stmt)}
    return [Week(monday, monday + timedelta(days=6), counts.get(index, MetricFigures())) for index, monday in enumerate(mondays)]


def _breach_select(criteria: list, lo: datetime, hi: datetime, *columns) -> Select:
    return (
        select(*columns)
        .select_from(Task)
        .join(SlaEvent, and_(SlaEvent.agency_id == Task.agency_id, SlaEvent.task_id == Task.id))
        .where(*criteria, SlaEvent.kind == "breached", _between(SlaEvent.occurred_at, lo, hi))
    )


def breaches(
    start: date, end: date, *, scope: ReportScope | None = None, base: Select | None = None, limit: int | None = None
) -> tuple[list[Breach], int]:
    """The breaches recorded in the range (newest first, at most `limit`), and how many there are in all."""
    lo, hi = _bounds(start, end)
    criteria = _counted(base, scope)
    total = db.session.scalar(_breach_select(criteria, lo, hi, func.count())) or 0
    stmt = (
        _breach_select(
            criteria,
            lo,
            hi,
            SlaEvent.metric,
            SlaEvent.occurred_at,
            Task.id,
            Task.reference,
            Task.title,
            Task.client_id,
            Client.name,
            Task.queue_id,
            Queue.name,
            Task.assignee_id,
            User.name,
            Task.first_response_due_at,
            Task.resolution_due_at,
        )
        .join(Client, and_(Client.agency_id == Task.agency_id, Client.id == Task.client_id))
        .join(Queue, and_(Queue.agency_id == Task.agency_id, Queue.id == Task.queue_id))
        .outerjoin(User, and_(User.agency_id == Task.agency_id, User.id == Task.assignee_id))
        .order_by(SlaEvent.occurred_at.desc(), SlaEvent.id.desc())
        .limit(limit)
    )
    rows = [
        Breach(
            task_id=r[2],
            reference=r[3],
            title=r[4],
            client_id=r[5],
            client_name=r[6],
            queue_id=r[7],
            queue_name=r[8],
            assignee_id=r[9],
            assignee_name=r[10],
            metric=r[0],
            occurred_at=r[1],
            due_at=r[11] if r[0] == "first_response" else r[12],
        )
        for r in db.session.execute(stmt)
    ]
    return rows, total


# --- the entry points --------------------------------------------------------------------------


def sla_report(
    scope: ReportScope | None, start: date, end: date, *, base: Select | None = None, now: datetime | None = None, breach_limit: int | None = None
) -> SlaReport:
    """The report over the counted tasks of `scope` within `base` for [start, end]; raises InvalidRange."""
    scope = scope or ReportScope()
    lo, hi = _bounds(start, end)
    _without_jit()
    criteria = _counted(base, scope)
    figures = _figures_by(criteria, None, lo, hi).get(None, Figures())
    listed, total = breaches(start, end, scope=scope, base=base, limit=breach_limit)
    return SlaReport(
        start=start,
        end=end,
        scope=scope,
        generated_at=now or utcnow(),
        figures=figures,
        weeks=_weeks(criteria, start, end, lo, hi),
        breaches=listed,
        breach_count=total,
    )


def breakdown(dimension: str, start: date, end: date, base: Select | None = None, *, scope: ReportScope | None = None) -> list[BreakdownRow]:
    """The headline figures per client, queue, service line or assignee that has SLA data in the range, by name."""
    return breakdowns((dimension,), start, end, base, scope=scope)[dimension]


def breakdowns(dimensions, start: date, end: date, base: Select | None = None, *, scope: ReportScope | None = None) -> dict[str, list[BreakdownRow]]:
    """breakdown() for each of `dimensions` at once (one pass over the tasks on PostgreSQL): {dimension: rows}."""
    dimensions = tuple(dimensions)
    lo, hi = _bounds(start, end)
    for dimension in dimensions:
        _key_column(dimension)
    _without_jit()
    by_dimension = _figures_by_each(_counted(base, scope), dimensions, lo, hi)
    return {dimension: _breakdown_rows(dimension, figures) for dimension, figures in by_dimension.items()}


def _breakdown_rows(dimension: str, figures: dict) -> list[BreakdownRow]:
    names = _names(dimension, [key for key in figures if key is not None])
    rows = [BreakdownRow(dimension, key, names.get(key, UNASSIGNED if key is None else "—"), value) for key, value in figures.items()]
    return sorted(rows, key=lambda row: (row.key is None, row.name.lower(), str(row.key)))


def _names(dimension: str, keys: list) -> dict:
    if not keys:
        return {}
    model = {"client": Client, "queue": Queue, "service_line": ServiceLine, "assignee": User}[dimension]
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(keys))).all())
