"""Queues (pages and API, admins manage them, staff see theirs), saved filters and the workload view."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from app.core.types import utcnow
from app.work.models import Queue, QueueMember, SavedFilter
from app.work.queries.lists import week_start
from tests.support import factories as f
from tests.support.web import assert_error, tenant_db
from tests.work.test_lists import make_tasks


def test_admin_manages_queues_through_the_api(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    created = admin.post("/api/v1/queues", json={"name": "Payroll", "description": "Pay runs", "service_line_id": str(world.a.service_line_id)})
    assert created.status_code == 201, created.get_json()
    queue = created.get_json()
    assert queue["name"] == "Payroll" and queue["archived"] is False
    assert_error(admin.post("/api/v1/queues", json={"name": "Payroll"}), 422, "validation_failed")
    assert_error(admin.post("/api/v1/queues", json={"name": "X", "service_line_id": str(world.b.service_line_id)}), 422)
    assert_error(admin.post("/api/v1/queues", json={"name": "X", "colour": "red"}), 422)
    path = f"/api/v1/queues/{queue['id']}"
    assert admin.patch(path, json={"name": "Payroll runs"}).get_json()["name"] == "Payroll runs"
    assert_error(admin.patch(path, json={"name": "Bookkeeping queue"}), 422)
    members = admin.put(path + "/members", json={"staff_ids": [str(world.a.staff.id), str(world.a.agency_admin.id)]})
    assert members.status_code == 200
    assert {m["email"] for m in members.get_json()} == {world.a.staff.email, world.a.agency_admin.email}
    assert_error(admin.put(path + "/members", json={"staff_ids": [str(world.a.client_admin.id)]}), 422)
    assert_error(admin.put(path + "/members", json={"staff_ids": [str(world.b.staff.id)]}), 422)
    assert [m["email"] for m in admin.put(path + "/members", json={"staff_ids": [str(world.a.staff.id)]}).get_json()] == [world.a.staff.email]
    assert admin.post(path + "/archive").get_json()["archived"] is True
    assert queue["id"] not in {q["id"] for q in admin.get("/api/v1/queues").get_json()["items"]}
    assert queue["id"] in {q["id"] for q in admin.get("/api/v1/queues?status=archived").get_json()["items"]}
    assert admin.post(path + "/restore").get_json()["archived"] is False
    with tenant_db(app, world.a.agency_id) as session:
        queue_id = uuid.UUID(queue["id"])
        assert session.scalar(select(Queue.name).where(Queue.id == queue_id)) == "Payroll runs"
        assert len(list(session.scalars(select(QueueMember).where(QueueMember.queue_id == queue_id)))) == 1


def test_staff_see_their_queues_and_cannot_manage_them(app, world, as_user):
    with tenant_db(app, world.a.agency_id):
        other_id = f.QueueFactory(agency_id=world.a.agency_id, name="Not mine").id
    staff = as_user(world.a.staff)
    names = [q["name"] for q in staff.get("/api/v1/queues").get_json()["items"]]
    assert names == ["Bookkeeping queue"]
    assert_error(staff.get(f"/api/v1/queues/{other_id}"), 404)
    assert staff.get(f"/api/v1/queues/{world.a.queue_id}/members").status_code == 200
    assert_error(staff.post("/api/v1/queues", json={"name": "Mine"}), 403)
    assert_error(staff.put(f"/api/v1/queues/{world.a.queue_id}/members", json={"staff_ids": []}), 403)
    assert staff.get("/queues").status_code == 200 and "Not mine" not in staff.get("/queues").get_data(as_text=True)
    assert staff.get("/queues/new").status_code == 403
    assert as_user(world.a.client_admin).get("/queues").status_code == 403
    assert_error(as_user(world.a.client_admin).get("/api/v1/queues"), 403)


def test_queue_pages(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    assert admin.post("/queues/new", data={"name": "", "description": "", "service_line_id": ""}).status_code == 422
    duplicate = admin.post("/queues/new", data={"name": "Bookkeeping queue", "service_line_id": ""})
    assert duplicate.status_code == 422 and "already exists" in duplicate.get_data(as_text=True)
    response = admin.post("/queues/new", data={"name": "Compliance", "description": "Filings", "service_line_id": str(world.a.service_line_id)})
    assert response.status_code == 303
    with tenant_db(app, world.a.agency_id) as session:
        queue_id = session.scalar(select(Queue.id).where(Queue.name == "Compliance"))
    assert response.headers["Location"].endswith(f"/queues/{queue_id}/members")
    assert admin.get(f"/queues/{queue_id}/members").status_code == 200
    assert admin.post(f"/queues/{queue_id}/members", data={"staff_ids": [str(world.a.staff.id)]}).status_code == 303
    detail = admin.get(f"/queues/{queue_id}").get_data(as_text=True)
    assert "A Staff" in detail and "Bookkeeping" in detail
    assert admin.post(f"/queues/{queue_id}/members", data={"staff_ids": ["nonsense"]}).status_code == 422
    assert admin.post(f"/queues/{queue_id}/edit", data={"name": "Compliance filings", "service_line_id": ""}).status_code == 303
    assert admin.post(f"/queues/{queue_id}/archive").status_code == 303
    assert "Compliance filings" in admin.get("/queues?status=archived").get_data(as_text=True)
    assert admin.post(f"/queues/{queue_id}/restore").status_code == 303
    listing = admin.get("/queues").get_data(as_text=True)
    assert "Compliance filings" in listing and "Bookkeeping queue" in listing


def test_saved_filters_api(app, world, as_user):
    staff = as_user(world.a.staff)
    saved = staff.post(
        "/api/v1/saved-filters", json={"name": "Urgent late", "view": "my_work", "query": "due=overdue&priority=urgent&cursor=abc&colour=red"}
    )
    assert saved.status_code == 201, saved.get_json()
    row = saved.get_json()
    assert row["query"] == "priority=urgent&due=overdue"
    again = staff.post("/api/v1/saved-filters", json={"name": "Urgent late", "view": "my_work", "query": "priority=high"})
    assert again.get_json()["id"] == row["id"] and again.get_json()["query"] == "priority=high"
    assert_error(staff.post("/api/v1/saved-filters", json={"name": "Bad", "view": "my_work", "query": "priority=someday"}), 422)
    assert_error(staff.post("/api/v1/saved-filters", json={"name": "Bad", "view": "everything", "query": ""}), 422)
    names = {r["name"] for r in staff.get("/api/v1/saved-filters?view=my_work").get_json()}
    assert "Urgent late" in names
    assert staff.get(f"/api/v1/saved-filters/{row['id']}").get_json()["name"] == "Urgent late"
    admin = as_user(world.a.agency_admin)
    assert_error(admin.get(f"/api/v1/saved-filters/{row['id']}"), 404)
    assert_error(admin.delete(f"/api/v1/saved-filters/{row['id']}"), 404)
    assert admin.get("/api/v1/saved-filters").get_json() == []
    assert staff.delete(f"/api/v1/saved-filters/{row['id']}").status_code == 204
    assert_error(staff.get(f"/api/v1/saved-filters/{row['id']}"), 404)


def test_saved_filters_pages(app, world, as_user):
    staff = as_user(world.a.staff)
    response = staff.post(
        "/work/saved-filters", data={"view": "queue", "name": "Unassigned", "query": "assignee=none", "next": f"/queues/{world.a.queue_id}/tasks"}
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/queues/{world.a.queue_id}/tasks"
    page = staff.get(f"/queues/{world.a.queue_id}/tasks").get_data(as_text=True)
    assert f"/queues/{world.a.queue_id}/tasks?assignee=none" in page and "Unassigned" in page
    staff.post("/work/saved-filters", data={"view": "my_work", "name": "Highs", "query": "priority=high"})
    listing = staff.get("/work/saved-filters").get_data(as_text=True)
    assert "/work?priority=high" in listing and "Unassigned" in listing
    assert "Highs" in staff.get("/work").get_data(as_text=True)
    with tenant_db(app, world.a.agency_id) as session:
        row_id = session.scalar(select(SavedFilter.id).where(SavedFilter.name == "Highs"))
    assert as_user(world.a.agency_admin).post(f"/work/saved-filters/{row_id}/delete").status_code == 404
    assert staff.post(f"/work/saved-filters/{row_id}/delete").status_code == 303
    assert "/work?priority=high" not in staff.get("/work/saved-filters").get_data(as_text=True)


def test_workload_counts_open_tasks_and_minutes(app, world, as_user):
    now = utcnow()
    make_tasks(
        app,
        world,
        [
            ("Urgent one", "urgent", None, {"assignee_id": world.a.staff.id}),
            ("High one", "high", None, {"assignee_id": world.a.staff.id}),
            ("Done", "high", None, {"assignee_id": world.a.staff.id, "status": "done", "closed_at": now}),
            ("Admin's", "low", None, {"assignee_id": world.a.agency_admin.id}),
        ],
    )
    with tenant_db(app, world.a.agency_id):
        child = {"agency_id": world.a.agency_id, "client_id": world.a.client_id, "task_id": world.a.task_id}
        f.TimeEntryFactory(**child, user_id=world.a.staff.id, started_at=now - timedelta(days=3), ended_at=now - timedelta(days=3), minutes=90)
        f.TimeEntryFactory(**child, user_id=world.a.staff.id, started_at=now - timedelta(days=9), ended_at=now - timedelta(days=9), minutes=500)
        f.TimeEntryFactory(**child, user_id=world.a.staff.id, started_at=now - timedelta(minutes=5), ended_at=None, minutes=None)
    expected_week = 60 + (90 if now - timedelta(days=3) >= week_start(now) else 0) + (60 if now - timedelta(hours=1) >= week_start(now) else 0)
    rows = {r["name"]: r for r in as_user(world.a.agency_admin).get("/api/v1/work/workload").get_json()}
    staff = rows["A Staff"]
    assert staff["open"] == 3 and staff["by_priority"] == {"urgent": 1, "high": 1, "normal": 1, "low": 0}
    assert staff["minutes_7_days"] == 60 + 60 + 90  # the world's two entries and the one three days ago
    assert staff["minutes_week"] == expected_week
    assert rows["A Admin"]["open"] == 1 and rows["A Idle"]["open"] == 0
    assert "A One Boss" not in rows and "B Staff" not in rows
    own = {r["name"]: r for r in as_user(world.a.staff).get("/api/v1/work/workload").get_json()}
    assert own["A Staff"]["minutes_7_days"] == 60 + 90  # the other client's task is out of the staff member's reach
    page = as_user(world.a.staff).get("/work/workload").get_data(as_text=True)
    assert "A Staff" in page and "2.5" in page
