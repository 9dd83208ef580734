"""Local time in the work pages: deadlines typed and shown on the viewer's clock, due-date filters on the viewer's days,
time entries and timesheets on the agency's days, and machine-readable instants without microseconds."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import select

from app.work.models import Task, TimeEntry
from tests.accounts.test_local_time import set_zone
from tests.support import factories as f
from tests.support.web import bearer, tenant_db


def make_task(app, world, title, due_at) -> object:
    with tenant_db(app, world.a.agency_id):
        return f.TaskFactory(
            agency_id=world.a.agency_id,
            client_id=world.a.client_id,
            task_type_id=world.a.task_type_id,
            queue_id=world.a.queue_id,
            title=title,
            due_at=due_at,
        ).id


def stored_due(app, world, title) -> datetime:
    with tenant_db(app, world.a.agency_id) as session:
        return session.scalar(select(Task.due_at).where(Task.title == title))


def test_a_deadline_is_typed_and_prefilled_on_the_viewers_clock(app, world, as_user):
    set_zone(app, world.a.staff, "America/New_York", "en_US")
    staff = as_user(world.a.staff)
    form = staff.get(f"/tasks/new?client_id={world.a.client_id}&task_type_id={world.a.task_type_id}").get_data(as_text=True)
    assert "your time, America/New York" in form
    response = staff.post(
        "/tasks/new",
        data={
            "client_id": world.a.client_id,
            "task_type_id": world.a.task_type_id,
            "title": "New York close",
            "due_at": "2030-01-31T17:00",
            "cf_period": "2030-01-31",
        },
    )
    assert response.status_code == 302
    assert stored_due(app, world, "New York close") == datetime(2030, 1, 31, 22, 0, tzinfo=UTC)
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="2030-01-31T17:00"' in page

    # The same deadline seen by someone in London: their clock, their format.
    set_zone(app, world.a.agency_admin, "Europe/London", "en_GB")
    london = as_user(world.a.agency_admin).get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="2030-01-31T22:00"' in london and "31 Jan 2030, 22:00 GMT" in london

    # A summer deadline typed in London is an hour before UTC.
    edited = as_user(world.a.agency_admin).post(
        response.headers["Location"] + "/edit",
        data={"title": "New York close", "priority": "normal", "due_at": "2030-07-01T09:00", "queue_id": str(world.a.queue_id)},
    )
    assert edited.status_code in (200, 302), edited.get_data(as_text=True)[:500]
    assert stored_due(app, world, "New York close") == datetime(2030, 7, 1, 8, 0, tzinfo=UTC)


def test_an_unreadable_deadline_is_a_field_error(app, world, as_user):
    staff = as_user(world.a.staff)
    response = staff.post(
        "/tasks/new",
        data={
            "client_id": world.a.client_id,
            "task_type_id": world.a.task_type_id,
            "title": "Bad deadline",
            "due_at": "next Tuesday",
            "cf_period": "2030-01-31",
        },
    )
    assert response.status_code == 422 and "Use YYYY-MM-DD HH:MM." in response.get_data(as_text=True)
    assert stored_due(app, world, "Bad deadline") is None


def test_due_date_filters_are_days_of_the_viewers_calendar(app, world, client):
    # 02:00 UTC on 4 December is still 3 December in New York.
    make_task(app, world, "Late evening in New York", datetime(2026, 12, 4, 2, 0, tzinfo=UTC))
    set_zone(app, world.a.agency_admin, "America/New_York", "en_US")

    def titles(ref, query):
        response = client.get(f"/api/v1/tasks?limit=100&{query}", headers=bearer(app, ref))
        assert response.status_code == 200, response.get_json()
        return {item["title"] for item in response.get_json()["items"]}

    assert "Late evening in New York" in titles(world.a.agency_admin, "due_from=2026-12-03&due_to=2026-12-03")
    assert "Late evening in New York" not in titles(world.a.agency_admin, "due_from=2026-12-04&due_to=2026-12-04")
    set_zone(app, world.a.agency_admin, "Europe/London", "en_GB")
    assert "Late evening in New York" not in titles(world.a.agency_admin, "due_from=2026-12-03&due_to=2026-12-03")
    assert "Late evening in New York" in titles(world.a.agency_admin, "due_from=2026-12-04&due_to=2026-12-04")


def test_csv_export_carries_instants_with_the_viewers_offset(app, world, as_user):
    make_task(app, world, "Summer deadline", datetime(2026, 7, 1, 16, 0, 0, 500000, tzinfo=UTC))
    set_zone(app, world.a.agency_admin, "America/New_York", "en_US")
    response = as_user(world.a.agency_admin).get(f"/clients/{world.a.client_id}/tasks.csv?status=all")
    assert response.status_code == 200, response.status_code
    rows = {row["title"]: row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert rows["Summer deadline"]["due"] == "2026-07-01T12:00:00-04:00"
    assert datetime.fromisoformat(rows["Summer deadline"]["created"]).utcoffset() is not None


def test_the_task_timeline_gives_machines_valid_html_instants(app, world, as_user):
    page = as_user(world.a.staff).get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    values = re.findall(r'<time datetime="([^"]*)"', page)
    assert values, "the timeline shows at least one entry"
    for value in values:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", value), value


@time_machine.travel(datetime(2027, 1, 10, 12, 0, tzinfo=UTC), tick=True)  # the entries are in the past
def test_time_entries_are_typed_on_the_viewers_clock_and_counted_on_the_agencys_days(app, world, as_user):
    with tenant_db(app, world.a.agency_id) as session:
        from tenants.models import Agency

        agency = session.scalar(select(Agency).where(Agency.id == world.a.agency_id))
        agency.timezone, agency.locale = "America/New_York", "en_US"
    staff = as_user(world.a.staff)
    # 21:00 to 22:30 on Thursday 7 January in New York is 02:00 to 03:30 UTC on Friday.
    logged = staff.post(
        "/time/new", data={"task_id": str(world.a.task_id), "work_date": "2027-01-07", "start_time": "21:00", "end_time": "22:30", "billable": "y"}
    )
    assert logged.status_code == 302, logged.get_data(as_text=True)[:300]
    assert "week=2027-W01" in logged.headers["Location"]
    with tenant_db(app, world.a.agency_id) as session:
        entry = session.scalar(select(TimeEntry).where(TimeEntry.minutes == 90))
        assert entry.started_at == datetime(2027, 1, 8, 2, 0, tzinfo=UTC)
    # A date-only entry starts at the agency's midnight, so it lands on its own day in the timesheet.
    api = staff.post("/api/v1/time-entries", json={"task_id": str(world.a.task_id), "work_date": "2027-01-08", "minutes": 30})
    assert api.status_code == 201 and api.get_json()["started_at"] == "2027-01-08T05:00:00+00:00"

    sheet = staff.get("/time?week=2027-W01").get_data(as_text=True)
    assert "days in America/New York" in sheet
    from app.work.queries import time as time_queries

    with tenant_db(app, world.a.agency_id) as session:
        from tests.support.web import load_user

        week = time_queries.timesheet(load_user(session, world.a.staff), date(2027, 1, 4))
    assert week.day_totals[3] == 90 and week.day_totals[4] == 30  # Thursday and Friday
