"""The recurring task generator: exactly once, catch-up, start and end dates, pauses, time zones, concurrency and the job."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core.jobs import wait_for_jobs
from app.core.types import utcnow
from app.extensions import db
from app.work.models import RecurringSchedule, Task
from app.work.services import recurrence as schedule_services
from tenants.context import TenantContext, tenant_scope
from tests.conftest import ON_POSTGRES
from tests.support import factories as f
from tests.support.web import tenant_db


def make_schedule(app, world, **fields) -> object:
    values = {
        "title": "Close",
        "frequency": "monthly_day",
        "day_of_month": 5,
        "starts_on": date(2026, 1, 1),
        "timezone": "UTC",
        "due_time": "17:00",
        "lead_days": 7,
        **fields,
    }
    with tenant_db(app, world.a.agency_id):
        schedule = f.RecurringScheduleFactory(agency_id=world.a.agency_id, client_id=world.a.client_id, task_type_id=world.a.task_type_id, **values)
        return schedule.id


def run(app, world, now: datetime) -> dict:
    with app.app_context(), tenant_scope(TenantContext(agency_id=world.a.agency_id, role="job")):
        result = schedule_services.generate_due_tasks(now)
        db.session.commit()
    with app.app_context():
        wait_for_jobs()  # the assignment emails it queued, so SQLite has a single writer again
    return result


def tasks_of(app, world, schedule_id) -> list[Task]:
    with tenant_db(app, world.a.agency_id) as session:
        rows = list(session.scalars(select(Task).where(Task.recurring_schedule_id == schedule_id).order_by(Task.occurrence_date)))
        session.expunge_all()
        return rows


def days_of(app, world, schedule_id) -> list[date]:
    return [t.occurrence_date for t in tasks_of(app, world, schedule_id)]


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_creates_each_due_occurrence_exactly_once(app, world):
    sid = make_schedule(app, world, default_assignee_id=world.a.staff.id, priority="high")
    first = run(app, world, at(2026, 3, 1, 12))
    assert first["created"] == 3
    assert days_of(app, world, sid) == [date(2026, 1, 5), date(2026, 2, 5), date(2026, 3, 5)]  # 5 March is created 26 Feb
    again = run(app, world, at(2026, 3, 1, 12, 30))
    assert again["created"] == 0
    tasks = tasks_of(app, world, sid)
    assert len(tasks) == 3
    march = tasks[-1]
    assert march.due_at == at(2026, 3, 5, 17)
    assert march.title == "Close – March 2026"
    assert march.assignee_id == world.a.staff.id and march.priority == "high"
    assert march.custom_values.get("period") == "2026-03-05"
    assert march.created_by_id is None and march.status == "new"
    assert march.reference.startswith("BK-")


def test_the_creation_instant_is_respected_to_the_minute(app, world):
    sid = make_schedule(app, world, starts_on=date(2026, 3, 1), lead_days=3)
    run(app, world, at(2026, 3, 2, 16, 59))
    assert days_of(app, world, sid) == []
    run(app, world, at(2026, 3, 2, 17, 0))
    assert days_of(app, world, sid) == [date(2026, 3, 5)]


def test_catches_up_after_downtime(app, world):
    sid = make_schedule(app, world)
    run(app, world, at(2026, 1, 2))
    assert days_of(app, world, sid) == [date(2026, 1, 5)]
    run(app, world, at(2026, 6, 1))  # the scheduler was down for five months
    assert days_of(app, world, sid) == [date(2026, m, 5) for m in range(1, 7)]


def test_catch_up_is_capped_and_logged(app, world, caplog, monkeypatch):
    # Another test's logging.config call may have disabled loggers that existed then.
    monkeypatch.setattr(logging.getLogger("app.work.services.recurrence"), "disabled", False)
    sid = make_schedule(app, world, starts_on=date(2020, 1, 1))
    with caplog.at_level(logging.WARNING, logger="app.work.services.recurrence"):
        run(app, world, at(2026, 6, 1))
    got = days_of(app, world, sid)
    window_start = date(2026, 6, 1) - timedelta(days=schedule_services.CATCH_UP_DAYS)
    assert got[0] >= window_start and got[-1] == date(2026, 6, 5)
    assert len(got) == 14  # May 2025 .. June 2026
    assert "catch-up limited" in caplog.text


def test_skips_occurrences_before_the_start_and_after_the_end(app, world):
    sid = make_schedule(app, world, starts_on=date(2026, 2, 10), ends_on=date(2026, 5, 1))
    run(app, world, at(2026, 8, 1))
    assert days_of(app, world, sid) == [date(2026, 3, 5), date(2026, 4, 5)]


def test_paused_schedules_create_nothing_and_resume_skips_the_pause(app, world):
    sid = make_schedule(app, world, paused_at=at(2026, 1, 1))
    assert run(app, world, at(2026, 4, 1))["created"] == 0
    assert days_of(app, world, sid) == []
    with tenant_db(app, world.a.agency_id) as session:
        from tests.support.web import load_user

        admin = load_user(session, world.a.agency_admin)
        schedule = session.scalar(select(RecurringSchedule).where(RecurringSchedule.id == sid))
        schedule_services.resume_schedule(admin, schedule, now=at(2026, 4, 1))
        assert schedule.starts_on == date(2026, 4, 1)
    run(app, world, at(2026, 4, 1))
    assert days_of(app, world, sid) == [date(2026, 4, 5)]


def test_leap_day_and_month_ends(app, world):
    yearly = make_schedule(app, world, frequency="yearly", month=2, day_of_month=29, starts_on=date(2027, 1, 1), lead_days=0)
    monthly = make_schedule(app, world, title="Month end", day_of_month=31, starts_on=date(2028, 1, 1), lead_days=0)
    for year in (2027, 2028, 2029):
        run(app, world, at(year, 3, 1))
    assert days_of(app, world, yearly) == [date(2027, 2, 28), date(2028, 2, 29), date(2029, 2, 28)]
    got = days_of(app, world, monthly)
    assert got[:3] == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)] and date(2029, 2, 28) in got


def test_last_working_day_quarterly_and_rrule(app, world):
    lwd = make_schedule(app, world, frequency="monthly_last_working_day", day_of_month=None, starts_on=date(2026, 1, 1), lead_days=0)
    quarterly = make_schedule(app, world, frequency="quarterly", month=3, day_of_month=20, starts_on=date(2026, 1, 1), lead_days=0)
    rule = make_schedule(
        app, world, frequency="rrule", day_of_month=None, rrule="FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1", starts_on=date(2026, 1, 1), lead_days=0
    )
    run(app, world, at(2026, 7, 1))
    assert days_of(app, world, lwd) == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 29),
        date(2026, 6, 30),
    ]
    assert days_of(app, world, quarterly) == [date(2026, 3, 20), date(2026, 6, 20)]
    assert days_of(app, world, rule) == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2), date(2026, 4, 6), date(2026, 5, 4), date(2026, 6, 1)]
    assert tasks_of(app, world, quarterly)[0].title == "Close – Q1 2026"


def test_due_17_00_london_across_the_clock_change(app, world):
    sid = make_schedule(
        app, world, frequency="weekly", weekday=0, day_of_month=None, starts_on=date(2026, 3, 16), timezone="Europe/London", lead_days=0
    )
    run(app, world, at(2026, 4, 1))
    due = [(t.occurrence_date, t.due_at) for t in tasks_of(app, world, sid)]
    assert due == [(date(2026, 3, 16), at(2026, 3, 16, 17)), (date(2026, 3, 23), at(2026, 3, 23, 17)), (date(2026, 3, 30), at(2026, 3, 30, 16))]


def test_pacific_auckland_creates_on_its_own_date(app, world):
    sid = make_schedule(app, world, day_of_month=1, starts_on=date(2026, 3, 1), timezone="Pacific/Auckland", due_time="09:00", lead_days=0)
    run(app, world, at(2026, 3, 31, 19, 59))
    assert days_of(app, world, sid) == [date(2026, 3, 1)]
    run(app, world, at(2026, 3, 31, 20, 0))  # 09:00 on 1 April in Auckland
    tasks = tasks_of(app, world, sid)
    assert [t.occurrence_date for t in tasks] == [date(2026, 3, 1), date(2026, 4, 1)]
    assert tasks[1].due_at == at(2026, 3, 31, 20)
    assert tasks[0].due_at == at(2026, 2, 28, 20)  # NZDT (+13)


def test_a_duplicate_is_skipped_by_the_unique_key(app, world):
    sid = make_schedule(app, world)
    with app.app_context(), tenant_scope(TenantContext(agency_id=world.a.agency_id, role="job")):
        schedule = db.session.scalar(select(RecurringSchedule).where(RecurringSchedule.id == sid))
        assert schedule_services._create_occurrence(schedule, date(2026, 1, 5)) == "created"
        assert schedule_services._create_occurrence(schedule, date(2026, 1, 5)) == "skipped"
        db.session.commit()
    assert days_of(app, world, sid) == [date(2026, 1, 5)]


def test_an_assignee_who_left_the_queue_gets_no_task_but_the_task_is_created(app, world):
    sid = make_schedule(app, world, default_assignee_id=world.a.idle_staff.id)
    run(app, world, at(2026, 1, 2))
    tasks = tasks_of(app, world, sid)
    assert [t.occurrence_date for t in tasks] == [date(2026, 1, 5)] and tasks[0].assignee_id is None


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_two_concurrent_runs_create_each_occurrence_once(app, world):
    ids = [make_schedule(app, world, title=f"S{i}", day_of_month=i + 1) for i in range(4)]
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait()
            run(app, world, at(2026, 6, 1))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    for i, sid in enumerate(ids):
        assert days_of(app, world, sid) == [date(2026, m, i + 1) for m in range(1, 7)]


def test_the_periodic_job_runs_through_the_worker_fan_out(app, world):
    from worker.jobs.periodic import fan_out
    from worker.schedule import PERIODIC

    path = "worker.jobs.recurring.generate_recurring_tasks"
    assert ("recurring-tasks", 900, path) in PERIODIC
    today = utcnow().date()
    sid = make_schedule(
        app, world, frequency="rrule", day_of_month=None, rrule="FREQ=DAILY", starts_on=today - timedelta(days=3), due_time="00:00", lead_days=0
    )
    for _ in range(2):
        with app.app_context():
            assert fan_out(path) == 2
        if ON_POSTGRES:
            from tests.worker.test_jobs import run_worker_burst

            result = run_worker_burst(app)
            assert result.returncode == 0, result.stderr
        else:
            with app.app_context():
                wait_for_jobs()
    assert days_of(app, world, sid) == [today - timedelta(days=n) for n in (3, 2, 1, 0)]
