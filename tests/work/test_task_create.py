"""Creating tasks: numbering per agency (also under concurrency on PostgreSQL), defaults, custom values, the new-task page."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notifications.models import Notification
from app.work.models import ChecklistItem, Task, Watcher
from app.work.services import tasks
from tenants.context import TenantContext, tenant_scope
from tests.conftest import ON_POSTGRES
from tests.support.web import assert_error, tenant_db


def body(world, **extra):
    return {"client_id": str(world.a.client_id), "task_type_id": str(world.a.task_type_id), "title": "March close", **extra}


def test_create_numbers_sequentially_per_agency(world, as_user):
    admin = as_user(world.a.agency_admin)
    first = admin.post("/api/v1/tasks", json=body(world))
    second = admin.post("/api/v1/tasks", json=body(world))
    assert first.status_code == second.status_code == 201, first.get_json()
    assert (first.get_json()["number"], second.get_json()["number"]) == (1001, 1002)
    assert (first.get_json()["reference"], second.get_json()["reference"]) == ("BK-1001", "BK-1002")
    other = as_user(world.b.agency_admin).post(
        "/api/v1/tasks", json={**body(world), "client_id": str(world.b.client_id), "task_type_id": str(world.b.task_type_id)}
    )
    assert other.get_json()["number"] == 1001  # each agency counts on its own


def test_create_applies_the_task_type_and_notifies_the_assignee(app, world, as_user):
    response = as_user(world.a.agency_admin).post(
        "/api/v1/tasks",
        json=body(
            world, assignee_id=str(world.a.staff.id), priority="high", due_at="2030-01-31T17:00:00+01:00", custom_values={"period": "2030-01-31"}
        ),
    )
    assert response.status_code == 201, response.get_json()
    task = response.get_json()
    assert task["status"] == "new" and task["priority"] == "high" and task["queue_id"] == str(world.a.queue_id)
    assert task["due_at"].startswith("2030-01-31T16:00:00")
    assert task["custom_values"] == {"period": "2030-01-31"}
    task_id = uuid.UUID(task["id"])
    with tenant_db(app, world.a.agency_id) as session:
        items = session.scalars(select(ChecklistItem).where(ChecklistItem.task_id == task_id).order_by(ChecklistItem.position)).all()
        assert [(i.title, i.required) for i in items] == [("Check the numbers", True), ("Send the summary", False)]
        watchers = {w.user_id for w in session.scalars(select(Watcher).where(Watcher.task_id == task_id))}
        assert watchers == {world.a.agency_admin.id, world.a.staff.id}
        note = session.scalar(select(Notification).where(Notification.task_id == task_id))
        assert note.kind == "assigned" and note.user_id == world.a.staff.id


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"custom_values": {"period": "not a date"}}, "period"),
        ({"custom_values": {"colour": "red"}}, "colour"),
    ],
)
def test_custom_values_are_validated_with_clear_422s(world, as_user, extra, field):
    error = assert_error(as_user(world.a.agency_admin).post("/api/v1/tasks", json=body(world, **extra)), 422, "validation_failed")
    assert field in error["fields"]["custom_values"]


def test_required_custom_values_and_patching_them(app, world, as_user):
    from app.catalog.models import TaskType

    with tenant_db(app, world.a.agency_id) as session:
        task_type = session.scalar(select(TaskType).where(TaskType.id == world.a.task_type_id))
        task_type.custom_fields = [
            {"key": "period", "label": "Period", "type": "date", "required": True, "choices": [], "help": None},
            {"key": "fee", "label": "Fee", "type": "money", "required": False, "choices": [], "help": None},
            {"key": "system", "label": "System", "type": "choice", "required": False, "choices": ["Xero", "Sage"], "help": None},
        ]
    admin = as_user(world.a.agency_admin)
    error = assert_error(admin.post("/api/v1/tasks", json=body(world)), 422)
    assert error["fields"]["custom_values"] == {"period": ["Missing data for required field."]}
    created = admin.post("/api/v1/tasks", json=body(world, custom_values={"period": "2030-02-28", "fee": "12.5"}))
    assert created.status_code == 201 and created.get_json()["custom_values"]["fee"] == "12.50"
    url = f"/api/v1/tasks/{created.get_json()['id']}"
    error = assert_error(admin.patch(url, json={"custom_values": {"system": "Excel"}}), 422)
    assert "system" in error["fields"]["custom_values"]
    patched = admin.patch(url, json={"custom_values": {"system": "Xero"}}).get_json()
    assert patched["custom_values"] == {"period": "2030-02-28", "fee": "12.50", "system": "Xero"}


def test_create_refuses_clients_and_services_out_of_reach(world, as_user):
    staff = as_user(world.a.staff)
    error = assert_error(staff.post("/api/v1/tasks", json=body(world, client_id=str(world.a.other_client_id))), 422)
    assert "client_id" in error["fields"]
    error = assert_error(staff.post("/api/v1/tasks", json=body(world, task_type_id=str(world.b.task_type_id))), 422)
    assert "task_type_id" in error["fields"]
    assert_error(staff.post("/api/v1/tasks", json=body(world, due_at="2030-01-01T10:00:00")), 422)
    assert_error(as_user(world.a.client_admin).post("/api/v1/tasks", json=body(world)), 403)


def test_idempotency_key_replays_the_created_task(world, as_user):
    admin = as_user(world.a.agency_admin)
    headers = {"Idempotency-Key": "create-march-close"}
    first = admin.post("/api/v1/tasks", json=body(world), headers=headers)
    again = admin.post("/api/v1/tasks", json=body(world), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


def test_new_task_page_limits_choices_and_creates(app, world, as_user):
    staff = as_user(world.a.staff)
    page = staff.get("/tasks/new").get_data(as_text=True)
    assert world.a.client_name in page and world.a.other_client_name not in page
    page = staff.get(f"/tasks/new?client_id={world.a.client_id}&task_type_id={world.a.task_type_id}").get_data(as_text=True)
    assert "Month-end close" in page and 'name="cf_period"' in page
    bad = staff.post(
        "/tasks/new", data={"client_id": world.a.client_id, "task_type_id": world.a.task_type_id, "title": "Close", "cf_period": "31/01/2030"}
    )
    assert bad.status_code == 422 and "Not a valid date." in bad.get_data(as_text=True)
    response = staff.post(
        "/tasks/new",
        data={
            "client_id": world.a.client_id,
            "task_type_id": world.a.task_type_id,
            "title": "January close",
            "priority": "urgent",
            "due_at": "2030-01-31T17:00",
            "assignee_id": str(world.a.staff.id),
            "cf_period": "2030-01-31",
        },
    )
    assert response.status_code == 302
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.title == "January close"))
        assert task.priority == "urgent" and task.assignee_id == world.a.staff.id and task.reference == "BK-1001"
        assert task.custom_values == {"period": "2030-01-31"}
        task_id = task.id
    assert response.headers["Location"].endswith(f"/tasks/{task_id}")
    assert as_user(world.a.client_admin).get("/tasks/new").status_code == 403


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent numbering needs PostgreSQL (SQLite serialises writers)")
def test_concurrent_creation_yields_distinct_sequential_numbers(app, world):
    threads, numbers, errors = 8, [], []
    barrier = threading.Barrier(threads)

    def work():
        try:
            with app.app_context(), tenant_scope(TenantContext(agency_id=world.a.agency_id)):
                barrier.wait(timeout=10)
                for _ in range(5):
                    numbers.append(tasks.allocate_number())
                    db.session.commit()
        except Exception as error:  # reported below, so a failure names its cause
            errors.append(error)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    assert sorted(numbers) == list(range(1001, 1001 + threads * 5))
