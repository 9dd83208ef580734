"""Time tracking: one running timer per user, manual entries, edits of own unbilled entries, totals, timesheets, no client access."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core.types import utcnow
from app.extensions import db
from app.work.models import TimeEntry
from tests.conftest import ON_POSTGRES
from tests.support import factories as f
from tests.support.web import assert_error, tenant_db


def second_task(app, world) -> object:
    with tenant_db(app, world.a.agency_id):
        return f.TaskFactory(
            agency_id=world.a.agency_id,
            client_id=world.a.client_id,
            task_type_id=world.a.task_type_id,
            queue_id=world.a.queue_id,
            title="Second task",
        ).id


def running_count(app, world, user_id) -> int:
    with tenant_db(app, world.a.agency_id) as session:
        return session.scalar(select(func.count()).select_from(TimeEntry).where(TimeEntry.user_id == user_id, TimeEntry.ended_at.is_(None)))


def entry(app, world, entry_id) -> TimeEntry:
    with tenant_db(app, world.a.agency_id) as session:
        row = session.scalar(select(TimeEntry).where(TimeEntry.id == uuid.UUID(str(entry_id))))
        session.expunge_all()
        return row


def test_one_running_timer_per_user_and_starting_another_stops_it(app, world, as_user):
    staff = as_user(world.a.staff)
    other = second_task(app, world)
    first = staff.post(f"/api/v1/tasks/{world.a.task_id}/timer/start")
    assert first.status_code == 201 and first.get_json()["running"] is True
    again = staff.post(f"/api/v1/tasks/{world.a.task_id}/timer/start")
    assert again.get_json()["id"] == first.get_json()["id"]
    second = staff.post(f"/api/v1/tasks/{other}/timer/start")
    assert second.status_code == 201
    stopped = entry(app, world, first.get_json()["id"])
    assert stopped.ended_at is not None and stopped.minutes >= 1
    assert running_count(app, world, world.a.staff.id) == 1
    assert_error(staff.post(f"/api/v1/tasks/{world.a.task_id}/timer/stop"), 409, "conflict")
    done = staff.post(f"/api/v1/tasks/{other}/timer/stop")
    assert done.status_code == 200 and done.get_json()["running"] is False and done.get_json()["minutes"] >= 1
    assert running_count(app, world, world.a.staff.id) == 0
    assert_error(staff.post(f"/api/v1/tasks/{other}/timer/stop"), 409)


def test_the_database_refuses_two_running_timers(app, world):
    with tenant_db(app, world.a.agency_id) as session:
        child = {"agency_id": world.a.agency_id, "client_id": world.a.client_id, "task_id": world.a.task_id, "user_id": world.a.staff.id}
        session.add(TimeEntry(**child, started_at=utcnow(), ended_at=None))
        session.flush()
        with pytest.raises(IntegrityError):
            with session.begin_nested():
                session.add(TimeEntry(**child, started_at=utcnow(), ended_at=None))
                session.flush()


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_concurrent_timer_starts_leave_one_running(app, world, as_user):
    tasks = [second_task(app, world) for _ in range(4)]
    barrier = threading.Barrier(len(tasks))
    statuses = []

    def start(task_id):
        client = as_user(world.a.staff)
        barrier.wait()
        statuses.append(client.post(f"/api/v1/tasks/{task_id}/timer/start").status_code)

    threads = [threading.Thread(target=start, args=(t,)) for t in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert set(statuses) <= {201, 409} and 201 in statuses
    assert running_count(app, world, world.a.staff.id) == 1


def test_manual_entries_are_validated(app, world, as_user):
    staff = as_user(world.a.staff)
    ok = staff.post(
        "/api/v1/time-entries",
        json={"task_id": str(world.a.task_id), "work_date": "2026-11-16", "minutes": 90, "billable": False, "note": "Reconciled the bank"},
    )
    assert ok.status_code == 201, ok.get_json()
    body = ok.get_json()
    assert body["minutes"] == 90 and body["billable"] is False and body["started_at"].startswith("2026-11-16")
    span = staff.post(
        "/api/v1/time-entries", json={"task_id": str(world.a.task_id), "started_at": "2026-11-17T09:00:00Z", "ended_at": "2026-11-17T10:15:00Z"}
    )
    assert span.status_code == 201 and span.get_json()["minutes"] == 75
    assert_error(staff.post("/api/v1/time-entries", json={"task_id": str(world.a.task_id)}), 422)
    assert_error(staff.post("/api/v1/time-entries", json={"task_id": str(world.a.task_id), "minutes": 10, "started_at": "2026-11-17T09:00:00Z"}), 422)
    assert_error(
        staff.post(
            "/api/v1/time-entries", json={"task_id": str(world.a.task_id), "started_at": "2026-11-17T09:00:00Z", "ended_at": "2026-11-17T08:00:00Z"}
        ),
        422,
    )
    assert_error(staff.post("/api/v1/time-entries", json={"task_id": str(world.a.task_id), "minutes": 2000}), 422)
    assert_error(staff.post("/api/v1/time-entries", json={"task_id": str(world.a.task_id), "minutes": 5, "surprise": 1}), 422)
    # A task the staff member cannot reach (a client they do not serve) is not found.
    assert_error(staff.post("/api/v1/time-entries", json={"task_id": str(world.a.other_task_id), "minutes": 5}), 404)


def test_edit_and_delete_only_own_unbilled_entries(app, world, as_user):
    staff, idle, admin = as_user(world.a.staff), as_user(world.a.idle_staff), as_user(world.a.agency_admin)
    created = staff.post("/api/v1/time-entries", json={"task_id": str(world.a.task_id), "minutes": 30}).get_json()
    url = f"/api/v1/time-entries/{created['id']}"
    assert staff.patch(url, json={"minutes": 45, "note": "more"}).get_json()["minutes"] == 45
    assert_error(idle.patch(url, json={"minutes": 5}), 404)  # someone else's entry is not theirs to see
    assert_error(idle.delete(url), 404)
    assert admin.patch(url, json={"billable": False}).get_json()["billable"] is False
    with tenant_db(app, world.a.agency_id) as session:
        session.scalar(select(TimeEntry).where(TimeEntry.id == uuid.UUID(created["id"]))).billed_at = utcnow()
    assert_error(staff.patch(url, json={"minutes": 50}), 409)
    assert_error(admin.delete(url), 409)
    other = staff.post("/api/v1/time-entries", json={"task_id": str(world.a.task_id), "minutes": 10}).get_json()
    assert staff.delete(f"/api/v1/time-entries/{other['id']}").status_code == 204
    assert_error(staff.get(f"/api/v1/time-entries/{other['id']}"), 404)


def test_list_filters_pagination_and_totals(app, world, as_user):
    staff, admin = as_user(world.a.staff), as_user(world.a.agency_admin)
    for day, minutes in ((16, 60), (17, 30), (18, 45)):
        assert (
            staff.post(
                "/api/v1/time-entries",
                json={"task_id": str(world.a.task_id), "work_date": f"2026-11-{day}", "minutes": minutes, "billable": day != 18},
            ).status_code
            == 201
        )
    page = staff.get("/api/v1/time-entries?from=2026-11-16&to=2026-11-18&limit=2").get_json()
    assert [e["minutes"] for e in page["items"]] == [45, 30] and page["next_cursor"]
    rest = staff.get(f"/api/v1/time-entries?from=2026-11-16&to=2026-11-18&limit=2&cursor={page['next_cursor']}").get_json()
    assert [e["minutes"] for e in rest["items"]] == [60] and rest["next_cursor"] is None
    totals = staff.get("/api/v1/time-entries/totals?group=client&from=2026-11-16&to=2026-11-18").get_json()
    assert totals["minutes"] == 135 and totals["billable_minutes"] == 90
    assert totals["items"][0]["label"] == world.a.client_name
    by_task = admin.get("/api/v1/time-entries/totals?group=task&from=2026-11-16&to=2026-11-18").get_json()
    assert by_task["items"][0]["minutes"] == 135
    by_user = admin.get("/api/v1/time-entries/totals?group=user&from=2026-11-16&to=2026-11-18").get_json()
    assert [(i["label"], i["minutes"]) for i in by_user["items"]] == [(world.a.staff.name, 135)]
    assert_error(staff.get("/api/v1/time-entries/totals?group=planet"), 422)
    # Staff see only their own entries; admins see everyone's.
    assert all(e["user_id"] == str(world.a.staff.id) for e in staff.get("/api/v1/time-entries").get_json()["items"])
    assert len(admin.get(f"/api/v1/time-entries?user={world.a.staff.id}").get_json()["items"]) == 5  # + the world's two entries


def test_timesheet_shows_daily_task_and_client_totals(app, world, as_user):
    staff = as_user(world.a.staff)
    for day, minutes in (("2026-03-02", 60), ("2026-03-02", 30), ("2026-03-04", 45)):
        staff.post("/api/v1/time-entries", json={"task_id": str(world.a.task_id), "work_date": day, "minutes": minutes})
    page = staff.get("/time?week=2026-W10")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1:30" in html and "0:45" in html and "2:15" in html and world.a.client_name in html
    assert "INTERNAL-TIME" not in html  # the world's entry is in another week
    with app.app_context():
        from app.work.queries.time import timesheet
        from tenants.context import TenantContext, tenant_scope
        from tests.support.web import load_user

        with tenant_scope(TenantContext(agency_id=world.a.agency_id)):
            sheet = timesheet(load_user(db.session, world.a.staff), date(2026, 3, 2))
            assert sheet.day_totals == [90, 0, 45, 0, 0, 0, 0] and sheet.total == 135
            assert sheet.client_totals == [(world.a.client_name, 135, 135)]
            assert [(r.task.id, r.total) for r in sheet.rows] == [(world.a.task_id, 135)]
    empty = staff.get("/time?week=2026-W40").get_data(as_text=True)
    assert "No time logged" in empty
    assert as_user(world.a.agency_admin).get(f"/time?user={world.a.staff.id}&week=2026-W10").status_code == 200
    assert staff.get(f"/time?user={world.a.agency_admin.id}").status_code == 404
    assert staff.get("/time/totals?group=task&from=2026-03-02&to=2026-03-08").status_code == 200


def test_client_users_get_403_everywhere(app, world, as_user):
    for role in ("client_admin", "client_member"):
        client = as_user(getattr(world.a, role))
        for method, url in (
            ("get", "/api/v1/time-entries"),
            ("post", "/api/v1/time-entries"),
            ("get", "/api/v1/time-entries/totals"),
            ("get", f"/api/v1/time-entries/{world.a.time_entry_id}"),
            ("post", f"/api/v1/tasks/{world.a.task_id}/timer/start"),
            ("get", "/time"),
            ("get", "/time/totals"),
            ("get", "/time/new"),
            ("post", f"/tasks/{world.a.task_id}/timer/start"),
        ):
            response = getattr(client, method)(url, json={}) if url.startswith("/api/") else getattr(client, method)(url)
            assert response.status_code == 403, (role, method, url, response.status_code)
            assert "INTERNAL-TIME" not in response.get_data(as_text=True)


def test_pages_log_edit_delete_and_time_a_task(app, world, as_user):
    staff = as_user(world.a.staff)
    form = staff.get(f"/time/new?task_id={world.a.task_id}")
    assert form.status_code == 200 and "Log time" in form.get_data(as_text=True)
    bad = staff.post("/time/new", data={"task_id": str(world.a.task_id), "work_date": "2026-11-16", "duration": "lots"})
    assert bad.status_code == 422 and "Not a duration" in bad.get_data(as_text=True)
    ok = staff.post("/time/new", data={"task_id": str(world.a.task_id), "work_date": "2026-11-16", "duration": "1:30", "billable": "y"})
    assert ok.status_code == 302 and "week=2026-W47" in ok.headers["Location"]
    with tenant_db(app, world.a.agency_id) as session:
        logged = session.scalar(select(TimeEntry).where(TimeEntry.minutes == 90))
        logged_id = logged.id
    assert staff.get(f"/time/{logged_id}/edit").status_code == 200
    edited = staff.post(
        f"/time/{logged_id}/edit", data={"task_id": str(world.a.task_id), "work_date": "2026-11-16", "start_time": "09:00", "end_time": "09:20"}
    )
    assert edited.status_code == 302
    assert entry(app, world, logged_id).minutes == 20
    assert as_user(world.a.idle_staff).get(f"/time/{logged_id}/edit").status_code == 404
    assert staff.post(f"/time/{logged_id}/delete").status_code == 302
    assert entry(app, world, logged_id) is None
    started = staff.post(f"/tasks/{world.a.task_id}/timer/start", data={"next": "/time"})
    assert started.status_code == 302 and started.headers["Location"].endswith("/time")
    assert "Timer running" in staff.get("/time").get_data(as_text=True) or running_count(app, world, world.a.staff.id) == 1
    assert staff.post("/time/timer/stop").status_code == 302
    assert running_count(app, world, world.a.staff.id) == 0
    assert staff.post("/time/timer/stop").status_code == 409


def test_the_timer_include_renders_for_the_task_page(app, world):
    from flask import render_template

    with app.test_request_context("/tasks/x"):
        html = render_template("work/time/_timer.html", task=type("T", (), {"id": world.a.task_id})(), running=None)
        assert "Start timer" in html and f"/tasks/{world.a.task_id}/timer/start" in html
        running = TimeEntry(task_id=world.a.task_id, started_at=datetime(2026, 11, 16, 9, tzinfo=UTC))
        assert "Stop timer" in render_template("work/time/_timer.html", task=type("T", (), {"id": world.a.task_id})(), running=running)
    assert timedelta  # imported for readers extending these tests
