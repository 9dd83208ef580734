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

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.core.ids import new_id
from app.core.types import utcnow
from app.extensions import db
from app.notifications.services import notify
from app.sla.models import SlaEvent
from app.work.models import QueueMember, Task
from app.work.services import activity
from app.work.services.tasks import task_url
from tenants.context import as_agency, current_tenant

log = logging.getLogger(__name__)

LABELS = {"first_response": "first response", "resolution": "resolution"}
BATCH = 500


@dataclass(frozen=True)
class Clock:
    metric: str
    kind: str
    instant: object  # the Task column holding the crossing instant
    stop: object  # the Task column that stops the clock (NULL while it runs)
    breached: object | None  # the Task column a breach is copied to


CLOCKS = (
    Clock("first_response", "at_risk", Task.first_response_at_risk_at, Task.first_responded_at, None),
    Clock("first_response", "breached", Task.first_response_due_at, Task.first_responded_at, Task.first_response_breached_at),
    Clock("resolution", "at_risk", Task.resolution_at_risk_at, Task.sla_paused_since, None),
    Clock("resolution", "breached", Task.resolution_due_at, Task.sla_paused_since, Task.resolution_breached_at),
)


def has_unrecorded_crossing(task: Task, now: datetime) -> bool:
    """Whether one of the task's clocks crossed an instant that has no event yet (one small query at most)."""
    crossed = set()
    for clock in CLOCKS:
        instant, stop = getattr(task, clock.instant.key), getattr(task, clock.stop.key)
        if instant is not None and instant <= now and (stop is None or instant < stop):
            crossed.add((clock.metric, clock.kind))
    if not crossed:
        return False
    recorded = set(db.session.execute(select(SlaEvent.metric, SlaEvent.kind).where(SlaEvent.task_id == task.id)).all())
    return bool(crossed - recorded)


def _crossed(clock: Clock, now: datetime):
    """The clock reached its instant while it was running: no later than now, and before it stopped."""
    recorded = exists().where(SlaEvent.task_id == Task.id, SlaEvent.metric == clock.metric, SlaEvent.kind == clock.kind)
    return and_(clock.instant.is_not(None), clock.instant <= now, or_(clock.stop.is_(None), clock.instant < clock.stop), ~recorded)


def _insert_ignoring_duplicates(rows: list[dict]) -> list:
    """Insert events; a row another run inserted first is skipped. Returns the (task_id, metric, kind) inserted."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    inserted = []
    for offset in range(0, len(rows), BATCH):
        stmt = (dialect.insert(SlaEvent.__table__).values(rows[offset:offset + BATCH])
                .on_conflict_do_nothing(index_elements=["agency_id", "task_id", "metric", "kind"])
                .returning(SlaEvent.task_id, SlaEvent.metric, SlaEvent.kind))
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
            for task_id, client_id, instant in db.session.execute(stmt):
                rows.append({"agency_id": agency_id, "id": new_id(), "client_id": client_id, "task_id": task_id,
                             "metric": clock.metric, "kind": clock.kind, "occurred_at": instant, "recorded_at": now})
        if not rows:
            return counts
        inserted = _insert_ignoring_duplicates(rows)
        for clock in CLOCKS:
            ids = [task_id for task_id, metric, kind in inserted if (metric, kind) == (clock.metric, clock.kind)]
            counts[f"{clock.metric}.{clock.kind}"] = len(ids)
            if clock.breached is not None and ids:
                db.session.execute(update(Task).where(Task.id.in_(ids), clock.breached.is_(None))
                                   .values({clock.breached: clock.instant}).execution_options(synchronize_session="fetch"))
        _announce(inserted, {(r["task_id"], r["metric"], r["kind"]): r["occurred_at"] for r in rows})
    if task_ids is None:
        log.info("sla sweep for agency %s: %s", agency_id, counts)
    return counts


def _announce(inserted: list, instants: dict) -> None:
    """A timeline entry per event; the assignee and queue members are told of crossings on open tasks.

    A warning that a catch-up records together with its breach is logged but not sent: the breach says more.
    """
    tasks = {t.id: t for t in db.session.scalars(select(Task).where(Task.id.in_({row[0] for row in inserted})))}
    members = {}
    queue_ids = {t.queue_id for t in tasks.values()}
    for queue_id, user_id in db.session.execute(select(QueueMember.queue_id, QueueMember.user_id).where(QueueMember.queue_id.in_(queue_ids))):
        members.setdefault(queue_id, []).append(user_id)
    breached_now = {(task_id, metric) for task_id, metric, kind in inserted if kind == "breached"}
    for task_id, metric, kind in inserted:
        task = tasks[task_id]
        occurred = instants[(task_id, metric, kind)]
        activity.record(task, f"sla_{kind}", None, metric=metric, occurred_at=occurred.isoformat())
        if not task.is_open or (kind == "at_risk" and (task_id, metric) in breached_now):
            continue
        verb = "breached its" if kind == "breached" else "is at risk of missing its"
        recipients = list(dict.fromkeys([task.assignee_id, *members.get(task.queue_id, [])]))
        notify(f"sla_{kind}", recipients, title=f"{task.reference} {verb} {LABELS[metric]} target: {task.title}",
               body=f"{'Due' if kind == 'at_risk' else 'Was due'} {task_due(task, metric):%a %d %b %H:%M} UTC.",
               url=task_url(task), task=task)


def task_due(task: Task, metric: str) -> datetime:
    return task.first_response_due_at if metric == "first_response" else task.resolution_due_at
