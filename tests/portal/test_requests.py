"""The portal for client users: asking for work, following it, answering questions, cancelling; nothing internal shown."""

from __future__ import annotations

import io
import re
import uuid

from sqlalchemy import select

from app.notifications.models import Notification
from app.work.models import Attachment, Task
from app.work.services import tasks
from tests.support.web import load_user, tenant_db


def _task(app, world, task_id) -> Task:
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == task_id))
        session.expunge(task)
        return task


def test_a_client_user_asks_for_work_with_a_file(app, world, as_user):
    boss = as_user(world.a.client_admin)
    page = boss.get("/portal/requests/new").get_data(as_text=True)
    assert "Month-end close" in page  # the types of the services the company has
    response = boss.post(
        "/portal/requests/new",
        data={
            "task_type_id": str(world.a.task_type_id),
            "title": "Close October",
            "description": "Usual pack.",
            "files": (io.BytesIO(b"date,amount\n2026-10-01,12.00\n"), "october.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    task_id = uuid.UUID(re.search(r"/portal/requests/([0-9a-f-]{36})", response.headers["Location"]).group(1))
    task = _task(app, world, task_id)
    assert (task.client_id, task.queue_id, task.status, task.created_by_id) == (world.a.client_id, world.a.queue_id, "new", world.a.client_admin.id)
    with tenant_db(app, world.a.agency_id) as session:
        [file] = session.scalars(select(Attachment).where(Attachment.task_id == task.id)).all()
        assert file.filename == "october.csv" and file.client_visible
    detail = boss.get(f"/portal/requests/{task_id}").get_data(as_text=True)
    assert "Close October" in detail and "october.csv" in detail


def test_bad_requests_are_shown_next_to_the_fields_and_change_nothing(app, world, as_user):
    boss = as_user(world.a.client_admin)
    response = boss.post("/portal/requests/new", data={"task_type_id": str(world.a.task_type_id), "title": "  "})
    assert response.status_code == 422 and "Give the task a title." in response.get_data(as_text=True)
    assert boss.get("/portal/requests/new?task_type_id=not-a-uuid").status_code == 422
    other_type = boss.get(f"/portal/requests/new?task_type_id={world.b.task_type_id}")
    assert other_type.status_code == 422
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(Task).where(Task.title == "  ")) is None


def test_another_clients_or_agencys_request_is_not_found(world, as_user):
    boss = as_user(world.a.client_admin)
    for task_id in (world.a.other_task_id, world.b.task_id):
        assert boss.get(f"/portal/requests/{task_id}").status_code == 404
        assert boss.post(f"/portal/requests/{task_id}/comments", data={"body": "hi"}).status_code == 404
        assert boss.post(f"/portal/requests/{task_id}/cancel").status_code == 404


def test_portal_pages_never_show_internal_notes_or_time(world, as_user):
    for role in ("client_admin", "client_member"):
        user = as_user(getattr(world.a, role))
        for path in ("/portal", "/portal/requests?state=all", f"/portal/requests/{world.a.task_id}"):
            html = user.get(path).get_data(as_text=True)
            assert "INTERNAL-NOTE" not in html and "INTERNAL-TIME" not in html, (role, path)
        detail = user.get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True)
        assert "Client-visible note a" in detail  # what staff shared is there


def test_an_answer_moves_the_work_back_to_in_progress_and_tells_the_assignee(app, world, as_user):
    with tenant_db(app, world.a.agency_id) as session:
        staff = load_user(session, world.a.staff)
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        tasks.transition(task, staff, "waiting_on_client", message="Which bank account is this for?")
    boss = as_user(world.a.client_admin)
    home = boss.get("/portal").get_data(as_text=True)
    assert "Waiting on you" in home and "Which bank account is this for?" in home
    response = boss.post(f"/portal/requests/{world.a.task_id}/comments", data={"body": "The main current account."})
    assert response.status_code == 302
    assert _task(app, world, world.a.task_id).status == "in_progress"
    with tenant_db(app, world.a.agency_id) as session:
        kinds = {n.kind for n in session.scalars(select(Notification).where(Notification.user_id == world.a.staff.id))}
        assert {"client_commented", "status_changed"} <= kinds


def test_a_request_can_be_cancelled_only_while_new(app, world, as_user):
    boss = as_user(world.a.client_admin)
    assert boss.post(f"/portal/requests/{world.a.task_id}/cancel").status_code == 302
    assert _task(app, world, world.a.task_id).status == "cancelled"
    with tenant_db(app, world.a.agency_id) as session:
        staff = load_user(session, world.a.staff)
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        tasks.transition(task, staff, "new")
        tasks.transition(task, staff, "in_progress")
    refused = boss.post(f"/portal/requests/{world.a.task_id}/cancel")
    assert refused.status_code == 403 and _task(app, world, world.a.task_id).status == "in_progress"


def test_agency_users_do_not_use_the_portal(world, as_user):
    assert as_user(world.a.staff).get("/portal").status_code == 403
    assert as_user(world.a.client_member).get("/").status_code == 302  # client users land in the portal


def test_work_past_its_promised_time_reads_late(app, world, as_user):
    from datetime import timedelta

    from app.core.types import utcnow

    boss = as_user(world.a.client_admin)
    response = boss.post("/portal/requests/new", data={"task_type_id": str(world.a.task_type_id), "title": "Close October"})
    task_id = uuid.UUID(re.search(r"/portal/requests/([0-9a-f-]{36})", response.headers["Location"]).group(1))
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == task_id))
        task.resolution_due_at, task.due_at = utcnow() + timedelta(hours=3), None
        session.commit()
    assert "Late: expected by" not in boss.get(f"/portal/requests/{task_id}").get_data(as_text=True)
    with tenant_db(app, world.a.agency_id) as session:
        session.scalar(select(Task).where(Task.id == task_id)).resolution_due_at = utcnow() - timedelta(hours=3)
        session.commit()
    for page in (f"/portal/requests/{task_id}", "/portal", "/portal/requests"):
        assert "Late: expected by" in boss.get(page).get_data(as_text=True), page
