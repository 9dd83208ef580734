"""Claim next and bulk changes: the most urgent claimable task in reach, never twice; bulk changes with mixed results."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.types import utcnow
from app.extensions import db
from app.work.models import Activity, Task
from app.work.services.claim import claim_next_task
from tenants.context import TenantContext, set_tenant
from tests.conftest import ON_POSTGRES
from tests.support import factories as f
from tests.support.web import assert_error, tenant_db
from tests.work.test_lists import make_tasks

NOW = utcnow()


def test_claim_next_gives_the_most_urgent_unassigned_task_in_reach(app, world, as_user):
    ids = make_tasks(
        app,
        world,
        [
            ("Low", "low", None, {}),
            ("Urgent later", "urgent", 50, {}),
            ("Urgent soon", "urgent", 2, {}),
            ("Urgent waiting", "urgent", 1, {"status": "waiting_on_client"}),
            ("Urgent taken", "urgent", 1, {"assignee_id": world.a.agency_admin.id}),
        ],
    )
    staff = as_user(world.a.staff)
    claimed = [staff.post("/api/v1/tasks/claim-next", json={}).get_json()["task"] for _ in range(3)]
    assert [t["title"] for t in claimed] == ["Urgent soon", "Urgent later", "Low"]
    assert {t["assignee_id"] for t in claimed} == {str(world.a.staff.id)}
    # Left: the task waiting on the client, the one already taken, and the other client's task (not in the staff's reach).
    assert staff.post("/api/v1/tasks/claim-next", json={}).get_json() == {"task": None}
    with tenant_db(app, world.a.agency_id) as session:
        kinds = list(session.scalars(select(Activity.kind).where(Activity.task_id == ids[2])))
    assert "assigned" in kinds


def test_claim_next_within_a_queue_and_by_admin(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    body = admin.post("/api/v1/tasks/claim-next", json={"queue_id": str(world.a.queue_id)}).get_json()
    assert body["task"]["id"] == str(world.a.other_task_id)
    assert admin.post("/api/v1/tasks/claim-next", json={"queue_id": str(world.a.queue_id)}).get_json()["task"] is None
    assert_error(admin.post("/api/v1/tasks/claim-next", json={"queue_id": str(world.b.queue_id)}), 404)
    assert_error(as_user(world.a.idle_staff).post("/api/v1/tasks/claim-next", json={"queue_id": str(world.a.queue_id)}), 404)
    assert_error(as_user(world.a.client_admin).post("/api/v1/tasks/claim-next", json={}), 403)
    assert_error(admin.post("/api/v1/tasks/claim-next", json={"colour": "red"}), 422)


def test_claim_next_page_redirects_to_the_task(app, world, as_user):
    make_tasks(app, world, [("Claim me", "high", 4, {})])
    staff = as_user(world.a.staff)
    response = staff.post("/work/claim-next", data={"next": "/work"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/tasks/")
    response = staff.post("/work/claim-next", data={"next": "/work"}, follow_redirects=True)
    assert "Nothing left to claim" in response.get_data(as_text=True)


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks (FOR UPDATE SKIP LOCKED) need PostgreSQL")
def test_claim_next_under_concurrency_never_gives_a_task_twice(app, world):
    agency_id = world.a.agency_id
    with tenant_db(app, agency_id):
        claimers = []
        for n in range(8):
            user = f.UserFactory(agency_id=agency_id, role="staff", email=f"claimer{n}@a.test", name=f"Claimer {n}")
            f.QueueMemberFactory(agency_id=agency_id, queue_id=world.a.queue_id, user_id=user.id)
            f.ClientStaffFactory(agency_id=agency_id, client_id=world.a.client_id, user_id=user.id)
            claimers.append(user.id)
    pool = set(make_tasks(app, world, [(f"Pool {n}", ("urgent", "high", "normal", "low")[n % 4], n, {}) for n in range(40)]))
    claimed: list[tuple[uuid.UUID, uuid.UUID]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(claimers))

    def work(user_id):
        try:
            with app.app_context():
                set_tenant(TenantContext(agency_id=agency_id, user_id=user_id, role="staff"))
                user = db.session.scalar(select(User).where(User.id == user_id))
                start.wait()
                while True:
                    task = claim_next_task(user)
                    if task is None:
                        db.session.commit()
                        return
                    with lock:
                        claimed.append((task.id, user_id))
                    db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(user_id,)) for user_id in claimers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    ids = [task_id for task_id, _ in claimed]
    assert len(ids) == len(set(ids)), "a task was claimed twice"
    assert set(ids) == pool
    with tenant_db(app, agency_id) as session:
        owners = dict(session.execute(select(Task.id, Task.assignee_id).where(Task.id.in_(pool))).all())
    assert owners == dict(claimed)
    assert len({user_id for _, user_id in claimed}) > 1


def test_bulk_change_reports_each_task(app, world, as_user):
    ids = make_tasks(
        app, world, [("One", "normal", None, {}), ("Two", "low", None, {}), ("Closed", "normal", None, {"status": "done", "closed_at": NOW})]
    )
    staff = as_user(world.a.staff)
    foreign, out_of_reach = str(world.b.task_id), str(world.a.other_task_id)
    body = staff.post(
        "/api/v1/tasks/bulk", json={"task_ids": [str(ids[0]), foreign, str(ids[1]), str(ids[2]), out_of_reach], "action": "assign", "value": "me"}
    ).get_json()
    assert (body["succeeded"], body["failed"]) == (2, 3)
    assert [r["ok"] for r in body["results"]] == [True, False, True, False, False]
    assert body["results"][3]["error"].startswith("Reopen") and body["results"][3]["reference"]
    assert body["results"][1]["reference"] is None
    body = staff.post("/api/v1/tasks/bulk", json={"task_ids": [str(ids[0]), str(ids[1])], "action": "priority", "value": "urgent"}).get_json()
    assert body["succeeded"] == 2
    body = staff.post("/api/v1/tasks/bulk", json={"task_ids": [str(ids[0]), str(ids[2])], "action": "status", "value": "in_progress"}).get_json()
    assert [r["ok"] for r in body["results"]] == [True, True]  # done -> in_progress reopens
    body = staff.post("/api/v1/tasks/bulk", json={"task_ids": [str(ids[0]), str(ids[1])], "action": "status", "value": "done"}).get_json()
    assert [r["ok"] for r in body["results"]] == [True, False]  # a new task cannot jump to done
    with tenant_db(app, world.a.agency_id) as session:
        rows = {t.id: (t.assignee_id, t.priority, t.priority_rank, t.status) for t in session.scalars(select(Task).where(Task.id.in_(ids)))}
        kinds = list(session.scalars(select(Activity.kind).where(Activity.task_id == ids[0])))
    assert rows[ids[0]] == (world.a.staff.id, "urgent", 0, "done")
    assert rows[ids[1]][3] == "new" and rows[ids[2]][0] is None and rows[ids[2]][3] == "in_progress"
    assert {"assigned", "priority_changed", "status_changed"} <= set(kinds)
    assert_error(staff.post("/api/v1/tasks/bulk", json={"task_ids": [str(ids[0])], "action": "priority", "value": "someday"}), 422)
    assert_error(staff.post("/api/v1/tasks/bulk", json={"task_ids": [], "action": "assign"}), 422)
    assert_error(as_user(world.a.client_admin).post("/api/v1/tasks/bulk", json={"task_ids": [str(ids[0])], "action": "assign"}), 403)


def test_bulk_page_flashes_failures(app, world, as_user):
    ids = make_tasks(app, world, [("One", "normal", None, {})])
    admin = as_user(world.a.agency_admin)
    response = admin.post(
        "/work/bulk",
        data={"task_ids": [str(ids[0]), str(world.b.task_id)], "action": "assign", "value_assign": str(world.a.staff.id), "next": "/work"},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "1 task changed." in text and "1 not changed" in text
    response = admin.post("/work/bulk", data={"task_ids": [str(ids[0])], "action": "explode", "next": "/work"}, follow_redirects=True)
    assert "Choose what to change." in response.get_data(as_text=True)
