"""SLA clocks on tasks: targets from the matching policy version, pauses, priority changes, deadlines, reopening."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.sla import services
from app.sla.models import SlaEvent
from app.work.models import Task
from app.work.queries import checklist as checklist_queries
from app.work.queries.sla_state import state_of
from app.work.services import checklist, comments, tasks
from tests.sla.conftest import MONDAY_9
from tests.support.web import load_user, tenant_db


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in the week of Monday 23 November 2026 (day 0 = Monday), UTC."""
    return MONDAY_9.replace(hour=hour, minute=minute) + timedelta(days=day)


def new_task(app, world, by="client_admin", **values):
    with tenant_db(app, world.a.agency_id) as session:
        actor = load_user(session, getattr(world.a, by))
        task = tasks.create_task(actor, client_id=world.a.client_id, task_type_id=world.a.task_type_id, title="Payroll question", **values)
        return task.id


def act(app, world, task_id, fn, by="agency_admin"):
    with tenant_db(app, world.a.agency_id) as session:
        actor = load_user(session, getattr(world.a, by))
        task = session.scalar(select(Task).where(Task.id == task_id))
        fn(task, actor)


def complete(task, actor):
    for item in checklist_queries.items_of(task):
        if item.done_at is None:
            checklist.set_done(task, item, actor, True)
    tasks.transition(task, actor, "done")


def read(app, world, task_id) -> Task:
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == task_id))
        session.expunge(task)
        return task


def events(app, world, task_id) -> set:
    with tenant_db(app, world.a.agency_id) as session:
        return {(e.metric, e.kind, e.occurred_at) for e in session.scalars(select(SlaEvent).where(SlaEvent.task_id == task_id))}


def test_a_client_request_gets_both_clocks_in_business_time(app, clock, world, office):
    task = read(app, world, new_task(app, world))
    assert task.sla_policy_version_id is not None
    assert (task.first_response_due_at, task.first_response_at_risk_at) == (at(0, 10), at(0, 9, 45))
    assert (task.resolution_due_at, task.resolution_at_risk_at) == (at(0, 13), at(0, 12))  # 240 and 180 business minutes


def test_work_the_agency_starts_owes_no_first_response(app, clock, world, office):
    task = read(app, world, new_task(app, world, by="agency_admin"))
    assert task.first_response_due_at is None and task.resolution_due_at == at(0, 13)


def test_clocks_cross_nights_and_weekends(app, clock, world, office):
    clock.move_to(at(4, 15))  # Friday 15:00: two hours left in the week
    task = read(app, world, new_task(app, world))
    assert task.resolution_due_at == at(7, 11)  # the following Monday 11:00


def test_a_client_holiday_stops_its_clocks(app, clock, world, office):
    clock.move_to(at(0, 16))
    with tenant_db(app, world.a.agency_id) as session:
        from tenants.models import Client

        services.add_client_holiday(session.get(Client, (world.a.agency_id, world.a.client_id)), date(2026, 11, 24), "Founders' day")
    task = read(app, world, new_task(app, world))
    assert task.resolution_due_at == at(2, 12)  # Monday 16-17, Tuesday off, Wednesday 09:00-12:00


def test_first_response_is_met_by_a_client_visible_comment_not_an_internal_one(app, clock, world, office):
    task_id = new_task(app, world)
    clock.move_to(at(0, 9, 20))
    act(app, world, task_id, lambda t, a: comments.add_comment(t, a, "Checking with payroll", client_visible=False))
    assert read(app, world, task_id).first_responded_at is None
    clock.move_to(at(0, 9, 40))
    act(app, world, task_id, lambda t, a: comments.add_comment(t, a, "We are on it", client_visible=True))
    task = read(app, world, task_id)
    assert (task.first_responded_at, task.first_response_minutes) == (at(0, 9, 40), 40)
    clock.move_to(at(0, 11))
    act(app, world, task_id, lambda t, a: comments.add_comment(t, a, "Update", client_visible=True))
    assert read(app, world, task_id).first_responded_at == at(0, 9, 40)
    assert events(app, world, task_id) == set()


def test_waiting_on_the_client_pauses_resolution_and_counts_the_waiting_time(app, clock, world, office):
    task_id = new_task(app, world)
    clock.move_to(at(0, 10))
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "waiting_on_client", message="Which month?"))
    task = read(app, world, task_id)
    assert task.first_responded_at == at(0, 10)  # asking the client is a response, and in time
    assert task.sla_paused_since == at(0, 10) and state_of(task, at(0, 15)) == "paused"
    clock.move_to(at(0, 16))
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "in_progress"))
    task = read(app, world, task_id)
    assert task.sla_paused_since is None and task.sla_waiting_minutes == 360
    # 60 minutes ran before the pause; the other 180 run Monday 16-17 and Tuesday 09-11.
    assert (task.resolution_due_at, task.resolution_at_risk_at) == (at(1, 11), at(1, 10))
    # The reply came at 10:00, after the first-response warning instant (09:45): recorded, at its own time.
    assert events(app, world, task_id) == {("first_response", "at_risk", at(0, 9, 45))}


def test_a_priority_change_recomputes_from_creation_and_a_breach_stays_recorded(app, clock, world, office):
    task_id = new_task(app, world)
    clock.move_to(at(0, 10))
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "waiting_on_client", message="Which month?"))
    clock.move_to(at(0, 16))
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "in_progress"))
    clock.move_to(at(1, 9, 30))
    act(app, world, task_id, lambda t, a: tasks.update_fields(t, a, {"priority": "high"}))
    task = read(app, world, task_id)
    # 120 minutes: 60 before the pause and 60 after it, so due Monday 17:00, which has passed: a breach, dated then.
    assert task.resolution_due_at == at(0, 17) and task.resolution_breached_at == at(0, 17)
    assert ("resolution", "breached", at(0, 17)) in events(app, world, task_id)
    act(app, world, task_id, lambda t, a: tasks.update_fields(t, a, {"priority": "normal"}))
    task = read(app, world, task_id)
    assert task.resolution_due_at == at(1, 11)
    assert task.resolution_breached_at == at(0, 17) and state_of(task, at(1, 9, 31)) == "breached"


def test_done_meets_resolution_and_reopening_resumes_the_clock(app, clock, world, office):
    task_id = new_task(app, world, by="agency_admin")
    clock.move_to(at(0, 11))
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "in_progress"))
    act(app, world, task_id, complete)
    task = read(app, world, task_id)
    assert (task.resolved_at, task.resolution_minutes) == (at(0, 11), 120) and state_of(task, at(0, 12)) == "met"
    clock.move_to(at(0, 15))
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "in_progress"))
    task = read(app, world, task_id)
    # The four hours it was done do not count: 120 minutes ran, 120 remain from 15:00.
    assert task.resolved_at is None and task.resolution_due_at == at(0, 17)
    clock.move_to(at(1, 10))
    act(app, world, task_id, complete)
    task = read(app, world, task_id)
    assert task.resolution_minutes == 300 and task.resolution_breached_at == at(0, 17)
    assert events(app, world, task_id) == {("resolution", "at_risk", at(0, 16)), ("resolution", "breached", at(0, 17))}


def test_a_hard_deadline_caps_the_resolution_due_time(app, clock, world, office):
    task = read(app, world, new_task(app, world, by="agency_admin", due_at=at(0, 11)))
    assert task.resolution_due_at == at(0, 11)
    assert task.resolution_at_risk_at == at(0, 10, 30)  # 75% of the two business hours up to the deadline
    clock.move_to(at(0, 9, 30))
    act(app, world, task.id, lambda t, a: tasks.update_fields(t, a, {"due_at": None}))
    assert read(app, world, task.id).resolution_due_at == at(0, 13)


def test_cancelling_stops_every_clock(app, clock, world, office):
    task_id = new_task(app, world)
    clock.move_to(at(0, 9, 30))
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "cancelled"), by="client_admin")
    from app.sla.sweep import record_crossings

    clock.move_to(at(2, 9))
    with tenant_db(app, world.a.agency_id):
        assert record_crossings() == {}
    task = read(app, world, task_id)
    assert state_of(task, at(2, 9)) == "stopped" and events(app, world, task_id) == set()


def test_a_new_policy_version_leaves_running_tasks_on_theirs(app, clock, world, office):
    first = read(app, world, new_task(app, world, by="agency_admin"))
    with tenant_db(app, world.a.agency_id):
        from app.sla.models import SlaPolicy

        policy = SlaPolicy.query.filter_by(id=office.policy_id).one()
        services.update_policy(policy, {"targets": {"normal": {"resolution": 480}}})
    second = read(app, world, new_task(app, world, by="agency_admin"))
    assert first.sla_policy_version_id != second.sla_policy_version_id
    assert (first.resolution_due_at, second.resolution_due_at) == (at(0, 13), at(0, 17))
    clock.move_to(at(0, 10))
    act(app, world, first.id, lambda t, a: tasks.update_fields(t, a, {"priority": "high"}))
    act(app, world, first.id, lambda t, a: tasks.update_fields(t, a, {"priority": "normal"}))
    assert read(app, world, first.id).resolution_due_at == at(0, 13)  # still version 1's 240 minutes


def test_rules_pick_the_most_specific_policy(app, clock, world, office):
    with tenant_db(app, world.a.agency_id) as session:
        from app.sla.models import SlaCalendar

        calendar = session.get(SlaCalendar, (world.a.agency_id, office.calendar_id))
        vip = services.create_policy({"name": "VIP", "calendar_id": calendar.id, "targets": {"normal": {"resolution": 60}}})
        by_type = services.create_policy({"name": "Month-end", "calendar_id": calendar.id, "targets": {"normal": {"resolution": 120}}})
        services.set_rule(by_type, task_type_id=world.a.task_type_id)
        services.set_rule(vip, client_id=world.a.client_id)
    assert read(app, world, new_task(app, world, by="agency_admin")).resolution_due_at == at(0, 10)  # client beats type
    with tenant_db(app, world.a.agency_id) as session:
        from app.sla.models import SlaPolicy

        by_type = session.scalar(select(SlaPolicy).where(SlaPolicy.name == "Month-end"))
        services.set_rule(by_type, client_id=world.a.client_id, task_type_id=world.a.task_type_id)
    assert read(app, world, new_task(app, world, by="agency_admin")).resolution_due_at == at(0, 11)  # client and type beat both


def test_without_a_matching_policy_a_task_has_no_clocks(app, clock, world):
    task = read(app, world, new_task(app, world))
    assert task.sla_policy_version_id is None and task.resolution_due_at is None and state_of(task, at(0, 9)) == "none"
    assert datetime.now(UTC) == MONDAY_9


def test_the_task_page_shows_the_clocks(app, clock, world, office, as_user):
    task_id = new_task(app, world)
    admin = as_user(world.a.agency_admin)
    html = admin.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Office SLA (version 1)" in html and "On track" in html and "response in 1h" in html
    assert "At risk from 23 Nov 2026, 12:00 GMT" in html
    clock.move_to(at(0, 9, 50))
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "waiting_on_client", message="Which month?"))
    html = admin.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Paused" in html and "(waiting on the client)" in html and "Breached" not in html
    assert "Met</span> 23 Nov 2026, 09:50 GMT" in html and "paused · 3h 10m left" in html
    clock.move_to(at(1, 9))
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "in_progress"))
    act(app, world, task_id, lambda t, a: tasks.update_fields(t, a, {"priority": "urgent"}))
    clock.move_to(at(1, 10, 30))  # urgent: 120 minutes, 50 before the pause and 70 from Tuesday 09:00
    html = admin.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "resolution 20m over" in html and "Due 24 Nov 2026, 10:10 GMT" in html
    from app.sla.sweep import record_crossings

    with tenant_db(app, world.a.agency_id):
        record_crossings()
    assert "Breached 24 Nov 2026, 10:10 GMT" in admin.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert as_user(world.a.client_admin).get(f"/tasks/{task_id}").status_code in (403, 404)  # the page is for agency staff
