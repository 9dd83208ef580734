"""The SLA sweep: every crossing recorded once, at its true time, across reruns, overlap and downtime."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.core import jobs
from app.extensions import db
from app.notifications.models import Notification
from app.sla.models import SlaEvent
from app.sla.sweep import record_crossings
from app.work.models import Activity, Task
from app.work.services import tasks
from tenants.context import TenantContext, tenant_scope
from tests.conftest import ON_POSTGRES
from tests.sla.conftest import MONDAY_9
from tests.support.web import load_user, tenant_db
from tests.worker.test_jobs import run_worker_burst
from worker.jobs.periodic import fan_out

EXPECTED = {  # a client's normal-priority request made Monday 09:00, never answered
    ("first_response", "at_risk", MONDAY_9 + timedelta(minutes=45)),
    ("first_response", "breached", MONDAY_9 + timedelta(hours=1)),
    ("resolution", "at_risk", MONDAY_9 + timedelta(hours=3)),
    ("resolution", "breached", MONDAY_9 + timedelta(hours=4)),
}


def request_assigned_to_staff(app, world) -> object:
    with tenant_db(app, world.a.agency_id) as session:
        actor = load_user(session, world.a.client_admin)
        task = tasks.create_task(
            actor, client_id=world.a.client_id, task_type_id=world.a.task_type_id, title="Payslip is wrong", assignee_id=world.a.staff.id
        )
        jobs.discard_pending()  # the assignment email is not what these tests are about
        return task.id


def recorded(app, world, task_id) -> set:
    with tenant_db(app, world.a.agency_id) as session:
        return {(e.metric, e.kind, e.occurred_at) for e in session.scalars(select(SlaEvent).where(SlaEvent.task_id == task_id))}


def sla_notes(app, world) -> list:
    with tenant_db(app, world.a.agency_id) as session:
        return sorted(
            (n.user_id == world.a.staff.id, n.kind, n.title)
            for n in session.scalars(select(Notification).where(Notification.kind.in_(("sla_at_risk", "sla_breached"))))
        )


def sweep(app, world) -> dict:
    with tenant_db(app, world.a.agency_id):
        counts = record_crossings()
        jobs.discard_pending()
        return counts


def test_after_downtime_every_crossing_is_recorded_once_at_its_true_time(app, clock, world, office):
    task_id = request_assigned_to_staff(app, world)
    clock.move_to(MONDAY_9 + timedelta(hours=5))  # the scheduler was down since 09:00
    assert sweep(app, world) == {"first_response.at_risk": 1, "first_response.breached": 1, "resolution.at_risk": 1, "resolution.breached": 1}
    assert recorded(app, world, task_id) == EXPECTED
    for _ in range(3):
        assert sweep(app, world) == {}
    assert recorded(app, world, task_id) == EXPECTED
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == task_id))
        assert (task.first_response_breached_at, task.resolution_breached_at) == (MONDAY_9 + timedelta(hours=1), MONDAY_9 + timedelta(hours=4))
        kinds = sorted(a.kind for a in session.scalars(select(Activity).where(Activity.task_id == task_id, Activity.kind.like("sla_%"))))
        assert kinds == ["sla_at_risk", "sla_at_risk", "sla_breached", "sla_breached"]
    # Caught up together, the warnings are logged but only the breaches are sent (to the assignee, a queue member).
    notes = sla_notes(app, world)
    assert [(mine, kind) for mine, kind, _ in notes] == [(True, "sla_breached"), (True, "sla_breached")]
    assert any("breached its first response target" in title for _, _, title in notes)


def test_a_running_sweep_warns_then_breaches_as_time_passes(app, clock, world, office):
    task_id = request_assigned_to_staff(app, world)
    clock.move_to(MONDAY_9 + timedelta(minutes=44))
    assert sweep(app, world) == {}
    clock.move_to(MONDAY_9 + timedelta(minutes=45))
    assert sweep(app, world) == {"first_response.at_risk": 1, "first_response.breached": 0, "resolution.at_risk": 0, "resolution.breached": 0}
    assert [kind for _, kind, _ in sla_notes(app, world)] == ["sla_at_risk"]
    clock.move_to(MONDAY_9 + timedelta(minutes=61))
    assert sweep(app, world)["first_response.breached"] == 1
    assert sorted(kind for _, kind, _ in sla_notes(app, world)) == ["sla_at_risk", "sla_breached"]
    assert len(recorded(app, world, task_id)) == 2


def test_a_paused_clock_does_not_breach_while_waiting(app, clock, world, office):
    task_id = request_assigned_to_staff(app, world)
    clock.move_to(MONDAY_9 + timedelta(minutes=30))
    with tenant_db(app, world.a.agency_id) as session:
        staff = load_user(session, world.a.staff)
        tasks.transition(session.scalar(select(Task).where(Task.id == task_id)), staff, "waiting_on_client", message="Which payslip?")
        jobs.discard_pending()
    clock.move_to(MONDAY_9 + timedelta(days=3))
    assert sweep(app, world) == {}
    assert recorded(app, world, task_id) == set()


def test_the_sweep_is_scheduled_every_minute():
    from worker.schedule import PERIODIC

    assert ("sla-sweep", 60, "worker.jobs.sla.sweep_sla") in PERIODIC


def test_the_periodic_job_runs_per_agency_in_process(app, clock, world, office):
    if ON_POSTGRES:
        pytest.skip("the PostgreSQL run drives the real RQ worker below")
    task_id = request_assigned_to_staff(app, world)
    clock.move_to(MONDAY_9 + timedelta(hours=5))
    with app.app_context():
        assert fan_out("worker.jobs.sla.sweep_sla") == 2
        jobs.wait_for_jobs()
    assert recorded(app, world, task_id) == EXPECTED


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_overlapping_sweeps_record_each_event_once(app, world, office):
    with time_machine.travel(MONDAY_9, tick=False) as traveller:
        task_ids = [request_assigned_to_staff(app, world) for _ in range(5)]
        traveller.move_to(MONDAY_9 + timedelta(hours=5))
        barrier, results, errors = threading.Barrier(4), [], []

        def run():
            try:
                with app.app_context(), tenant_scope(TenantContext(agency_id=world.a.agency_id, role="job")):
                    barrier.wait()
                    results.append(record_crossings())
                    db.session.commit()
                    jobs.discard_pending()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert sum(sum(counts.values()) for counts in results) == 20  # 5 tasks x 4 events, whoever recorded them
    for task_id in task_ids:
        assert recorded(app, world, task_id) == EXPECTED
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(func.count()).select_from(SlaEvent).where(SlaEvent.task_id.in_(task_ids))) == 20


@pytest.mark.skipif(not ON_POSTGRES, reason="the RQ worker runs against Redis in the PostgreSQL run")
def test_the_rq_worker_records_missed_crossings_once_across_runs(app, world, office):
    # The request was made a week ago; the worker runs now, in real time, as after a long outage.
    week_ago = MONDAY_9 - timedelta(days=7)
    with time_machine.travel(week_ago, tick=False):
        task_id = request_assigned_to_staff(app, world)
    expected = {(metric, kind, instant - timedelta(days=7)) for metric, kind, instant in EXPECTED}
    assert datetime.now(UTC) > week_ago + timedelta(days=1)
    for _ in range(2):
        with app.app_context():
            assert fan_out("worker.jobs.sla.sweep_sla") == 2
        result = run_worker_burst(app)
        assert result.returncode == 0, result.stderr
        assert recorded(app, world, task_id) == expected
    assert [kind for _, kind, _ in sla_notes(app, world)] == ["sla_breached", "sla_breached"]


def test_a_long_catch_up_sends_each_person_one_summary(app, clock, world, office):
    task_ids = [request_assigned_to_staff(app, world) for _ in range(4)]
    clock.move_to(MONDAY_9 + timedelta(hours=5))
    counts = sweep(app, world)
    assert counts["resolution.breached"] == counts["first_response.breached"] == 4
    [(mine, kind, title)] = sla_notes(app, world)  # eight breaches: one summary, not eight notifications
    assert mine and kind == "sla_breached" and title == "SLA: 8 breaches and 0 warnings recorded on tasks you work"
    with tenant_db(app, world.a.agency_id) as session:
        rows = session.scalars(select(Task).where(Task.id.in_(task_ids))).all()
        # The sweep marks what it recorded, so the next run seeks only unrecorded crossings.
        assert all(t.resolution_warned_at == MONDAY_9 + timedelta(hours=3) for t in rows)
        assert all(t.first_response_warned_at == MONDAY_9 + timedelta(minutes=45) for t in rows)
