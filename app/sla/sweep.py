"""Recording SLA clocks that crossed their at-risk or due instant: set-based, once per task, metric and kind.

Works from state, not ticks: every clock whose instant has passed (before its stop: the first response, or
the pause that stopped the resolution clock) and has no event yet gets one, dated at the instant itself. So a
rerun records nothing twice (the unique key and ON CONFLICT DO NOTHING also settle two overlapping runs), and
after an hour of downtime the next run records every missed crossing at its true time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.accounts.localtime import as_recipient
from app.accounts.models import User
from app.core import localtime
from app.core.ids import new_id
from app.core.types import utcnow
from app.extensions import db
from app.notifications.services import notify
from app.sla.models import SlaEvent
from app.work.access import audiences
from app.work.models import Activity, QueueMember, Task
from app.work.services.tasks import task_url
from tenants.context import as_agency, current_tenant

log = logging.getLogger(__name__)

LABELS = {"first_response": "first response", "resolution": "resolution"}
BATCH = 500
MARK_BATCH = 5000  # task ids per marker UPDATE
DIGEST_AFTER = 5  # crossings one person is told of one by one in a run; beyond that, one summary
DIGEST_LISTED = 12
SLA_REPORT_PATH = "/sla/reports"


@dataclass(frozen=True)
class Clock:
    metric: str
    kind: str
    instant: object  # the Task column holding the crossing instant
    stop: object  # the Task column that stops the clock (NULL while it runs)
    marker: object  # the Task column set to the instant when the event is recorded (the seek skips those)


CLOCKS = (
    Clock("first_response", "at_risk", Task.first_response_at_risk_at, Task.first_responded_at, Task.first_response_warned_at),
    Clock("first_response", "breached", Task.first_response_due_at, Task.first_responded_at, Task.first_response_breached_at),
    Clock("resolution", "at_risk", Task.resolution_at_risk_at, Task.sla_paused_since, Task.resolution_warned_at),
    Clock("resolution", "breached", Task.resolution_due_at, Task.sla_paused_since, Task.resolution_breached_at),
)


def has_unrecorded_crossing(task: Task, now: datetime) -> bool:
    """Whether one of the task's clocks crossed an instant whose event is not recorded yet (no query)."""
    for clock in CLOCKS:
        instant, stop = getattr(task, clock.instant.key), getattr(task, clock.stop.key)
        if getattr(task, clock.marker.key) is None and instant is not None and instant <= now and (stop is None or instant < stop):
            return True
    return False


def _crossed(clock: Clock, now: datetime):
    """The clock reached its instant while it was running (no later than now, before it stopped), unrecorded.

    The marker makes this a seek on the clock's partial index; NOT EXISTS stays as the guard of record.
    """
    recorded = exists().where(SlaEvent.task_id == Task.id, SlaEvent.metric == clock.metric, SlaEvent.kind == clock.kind)
    return and_(
        clock.marker.is_(None), clock.instant.is_not(None), clock.instant <= now, or_(clock.stop.is_(None), clock.instant < clock.stop), ~recorded
    )


def _insert_ignoring_duplicates(rows: list[dict]) -> list:
    """Insert events; a row another run inserted first is skipped. Returns the (task_id, metric, kind) inserted."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    inserted = []
    for offset in range(0, len(rows), BATCH):
        stmt = (
            dialect.insert(SlaEvent.__table__)
            .values(rows[offset : offset + BATCH])
            .on_conflict_do_nothing(index_elements=["agency_id", "task_id", "metric", "kind"])
            .returning(SlaEvent.task_id, SlaEvent.metric, SlaEvent.kind)
        )
        inserted += db.session.execute(stmt).all()
    return inserted


def record_crossings(now: datetime | None = None, task_ids=None) -> dict:
    """Record every crossing due by `now` (for the given tasks, or the agency's), notify and log each one.

    Returns counts per `metric.kind`.
    """
    now = now or utcnow()
    agency_id = current_tenant().agency_id
    with as_agency():
        rows, counts = [], {}
        for clock in CLOCKS:
            stmt = select(Task.id, Task.client_id, clock.instant).where(Task.agency_id == agency_id, _crossed(clock, now))
            if task_ids is not None:
                stmt = stmt.where(Task.id.in_(list(task_ids)))
            else:
                # Closed tasks need no sweep: closing one records what it crossed (clocks.on_task_changed).
                stmt = stmt.where(Task.closed_at.is_(None))
            for task_id, client_id, instant in db.session.execute(stmt):
                rows.append(
                    {
                        "agency_id": agency_id,
                        "id": new_id(),
                        "client_id": client_id,
                        "task_id": task_id,
                        "metric": clock.metric,
                        "kind": clock.kind,
                        "occurred_at": instant,
                        "recorded_at": now,
                    }
                )
        if not rows:
            return counts
        inserted = _insert_ignoring_duplicates(rows)
        for clock in CLOCKS:
            ids = [task_id for task_id, metric, kind in inserted if (metric, kind) == (clock.metric, clock.kind)]
            counts[f"{clock.metric}.{clock.kind}"] = len(ids)
            _mark(clock, agency_id, ids)
        _announce(inserted, {(r["task_id"], r["metric"], r["kind"]): r["occurred_at"] for r in rows})
    if task_ids is None:
        log.info("sla sweep for agency %s: %s", agency_id, counts)
    return counts


def _mark(clock: Clock, agency_id, ids: list) -> None:
    """Set the clock's marker on the tasks whose event was recorded, a few thousand per statement.

    The tasks' loaded state is expired rather than fetched back: the announcement below reads them afresh.
    """
    for offset in range(0, len(ids), MARK_BATCH):
        db.session.execute(
            update(Task)
            .where(Task.agency_id == agency_id, Task.id.in_(ids[offset : offset + MARK_BATCH]), clock.marker.is_(None))
            .values({clock.marker: clock.instant})
            .execution_options(synchronize_session=False)
        )
    if ids:
        wanted = set(ids)
        for task in [obj for obj in db.session.identity_map.values() if isinstance(obj, Task) and obj.id in wanted]:
            db.session.expire(task, [clock.marker.key])


def _timeline(entries: list[dict]) -> None:
    """The timeline entries of a run, inserted many rows per statement (a catch-up can record tens of thousands)."""
    for offset in range(0, len(entries), BATCH):
        db.session.execute(insert(Activity), entries[offset : offset + BATCH])


def _announce(inserted: list, instants: dict) -> None:
    """A timeline entry per event; the assignee and queue members are told of crossings on open tasks.

    A warning that a catch-up records together with its breach is logged but not sent: the breach says more. Someone
    who would be told of more than DIGEST_AFTER crossings in one run (after downtime) gets one summary instead.
    """
    tasks = {}
    for offset in range(0, len(inserted), BATCH):
        chunk = {row[0] for row in inserted[offset : offset + BATCH]}
        tasks.update({t.id: t for t in db.session.scalars(select(Task).where(Task.id.in_(chunk)))})
    members = {}
    queue_ids = {t.queue_id for t in tasks.values()}
    for queue_id, user_id in db.session.execute(select(QueueMember.queue_id, QueueMember.user_id).where(QueueMember.queue_id.in_(queue_ids))):
        members.setdefault(queue_id, []).append(user_id)
    breached_now = {(task_id, metric) for task_id, metric, kind in inserted if kind == "breached"}
    told: dict = {}
    entries, created_at = [], utcnow()
    # Queue members who do not serve the task's client are not told (nor listed its number in a digest).
    reached = audiences({task: [task.assignee_id, *members.get(task.queue_id, [])] for task in tasks.values() if task.is_open})
    for task_id, metric, kind in inserted:
        task = tasks[task_id]
        entries.append(
            {
                "agency_id": task.agency_id,
                "id": new_id(),
                "task_id": task.id,
                "client_id": task.client_id,
                "actor_id": None,
                "kind": f"sla_{kind}",
                "client_visible": False,
                "created_at": created_at,
                "data": {"metric": metric, "occurred_at": instants[(task_id, metric, kind)].isoformat()},
            }
        )
        if not task.is_open or (kind == "at_risk" and (task_id, metric) in breached_now):
            continue
        for user_id in reached[task_id]:
            told.setdefault(user_id, []).append((task, metric, kind))
    _timeline(entries)
    recipients = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(told))))} if told else {}
    for user_id, crossings in told.items():
        if len(crossings) > DIGEST_AFTER:
            _digest(user_id, crossings)
            continue
        for task, metric, kind in crossings:
            verb = "breached its" if kind == "breached" else "is at risk of missing its"
            with as_recipient(recipients.get(user_id)):  # the deadline as the person told reads it, on their clock
                due = localtime.format_datetime(task_due(task, metric))
            notify(
                f"sla_{kind}",
                [user_id],
                title=f"{task.reference} {verb} {LABELS[metric]} target: {task.title}",
                body=f"{'Due' if kind == 'at_risk' else 'Was due'} {due}.",
                url=task_url(task),
                task=task,
            )


def _digest(user_id, crossings: list) -> None:
    breaches = [c for c in crossings if c[2] == "breached"]
    warnings = len(crossings) - len(breaches)
    listed = ", ".join(sorted({task.reference for task, _, _ in crossings})[:DIGEST_LISTED])
    more = len({task.id for task, _, _ in crossings}) - DIGEST_LISTED
    notify(
        "sla_breached" if breaches else "sla_at_risk",
        [user_id],
        title=f"SLA: {len(breaches)} breaches and {warnings} warnings recorded on tasks you work",
        body=f"{listed}{f' and {more} more' if more > 0 else ''}.",
        url=SLA_REPORT_PATH,
    )


def task_due(task: Task, metric: str) -> datetime:
    return task.first_response_due_at if metric == "first_response" else task.resolution_due_at
