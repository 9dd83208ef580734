"""Waiting on the client whatever the form: documents and approvals asked with "wait on the client" pause the task's
SLA clock until nothing asked is outstanding (app/work/services/waiting.py), through the real pages, API and services."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from app.work.models import ApprovalRequest, DocumentRequestItem
from app.work.services import comments, documents, tasks
from tests.sla.test_clocks import act, at, new_task, read
from tests.support.web import bearer, tenant_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
DUE = date(2026, 11, 27)


def _started(app, world):
    """A client's request (resolution target 240 business minutes), started at Monday 09:00."""
    task_id = new_task(app, world)
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "in_progress"))
    return task_id


def _ask_documents_api(staff, task_id, **extra):
    """Staff ask for two documents through the API (signed-in session)."""
    return staff.post(
        f"/api/v1/tasks/{task_id}/document-requests",
        json={
            "title": "October bookkeeping",
            "due_on": DUE.isoformat(),
            "items": [{"name": "Bank statements"}, {"name": "Payroll summary"}],
            **extra,
        },
    )


def _items(app, world, task_id) -> list:
    with tenant_db(app, world.a.agency_id) as session:
        return list(
            session.scalars(select(DocumentRequestItem.id).where(DocumentRequestItem.task_id == task_id).order_by(DocumentRequestItem.position))
        )


def _upload_page(boss, task_id, item_id):
    return boss.post(
        f"/portal/requests/{task_id}/documents/{item_id}",
        data={"file": (io.BytesIO(PDF), "october.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )


def _ask_approval_page(admin, task_id, world, **extra):
    return admin.post(
        f"/tasks/{task_id}/approvals", data={"title": "October payroll register", "approver_ids": [str(world.a.client_admin.id)], **extra}
    )


def _approval_id(app, world, task_id):
    with tenant_db(app, world.a.agency_id) as session:
        return session.scalar(select(ApprovalRequest.id).where(ApprovalRequest.task_id == task_id))


def test_documents_asked_through_the_api_pause_the_clock_until_the_last_upload(app, clock, world, office, as_user):
    task_id = _started(app, world)
    admin = as_user(world.a.agency_admin)
    clock.move_to(at(0, 10))
    response = _ask_documents_api(admin, task_id)  # wait_on_client is on unless said otherwise
    assert response.status_code == 201, response.get_json()
    task = read(app, world, task_id)
    assert task.status == "waiting_on_client" and task.sla_paused_since == at(0, 10)

    first, second = _items(app, world, task_id)
    clock.move_to(at(0, 11))
    boss = as_user(world.a.client_admin)
    assert _upload_page(boss, task_id, first).status_code == 302
    task = read(app, world, task_id)
    assert task.status == "waiting_on_client" and task.sla_paused_since == at(0, 10)  # one document still missing

    clock.move_to(at(0, 13))
    upload = app.test_client().post(
        f"/api/v1/portal/requests/{task_id}/documents/{second}",
        headers=bearer(app, world.a.client_admin),
        data={"file": (io.BytesIO(PDF), "payroll.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    task = read(app, world, task_id)
    assert task.status == "in_progress" and task.sla_paused_since is None
    assert task.sla_waiting_minutes == 180  # 10:00 to 13:00
    assert task.resolution_due_at == at(0, 16)  # 60 minutes ran before the pause, the other 180 from 13:00

    staff_page = admin.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "(asked for the documents “October bookkeeping”)" in staff_page
    assert "(the client sent every document of “October bookkeeping”)" in staff_page
    portal_page = boss.get(f"/portal/requests/{task_id}").get_data(as_text=True)
    assert "moved it to waiting on client (asked for the documents “October bookkeeping”)" in portal_page
    assert "moved it to in progress (the client sent every document of “October bookkeeping”)" in portal_page


def test_the_portal_lists_a_task_waiting_for_documents_as_waiting_on_the_client(app, clock, world, office, as_user):
    task_id = _started(app, world)
    assert _ask_documents_api(as_user(world.a.agency_admin), task_id).status_code == 201
    listed = app.test_client().get("/api/v1/portal/requests", headers=bearer(app, world.a.client_admin)).get_json()
    [row] = [r for r in listed["items"] if r["id"] == str(task_id)]
    assert row["waiting_on_you"] is True


@pytest.mark.parametrize("decision, comment", [("approve", ""), ("reject", "The overtime is wrong.")])
def test_an_approval_asked_on_the_task_page_pauses_the_clock_until_decided(app, clock, world, office, as_user, decision, comment):
    task_id = _started(app, world)
    admin = as_user(world.a.agency_admin)
    page = admin.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert re.search(r'name="wait_on_client" value="1" checked', page)  # offered, on by default
    clock.move_to(at(0, 10))
    assert _ask_approval_page(admin, task_id, world, wait_on_client="1").status_code == 302
    task = read(app, world, task_id)
    assert task.status == "waiting_on_client" and task.sla_paused_since == at(0, 10)

    clock.move_to(at(0, 12))
    boss = as_user(world.a.client_admin)
    decided = boss.post(
        f"/portal/requests/{task_id}/approvals/{_approval_id(app, world, task_id)}/decision", data={"decision": decision, "comment": comment}
    )
    assert decided.status_code == 302
    task = read(app, world, task_id)
    assert task.status == "in_progress" and task.sla_paused_since is None and task.sla_waiting_minutes == 120
    verb = "approved" if decision == "approve" else "rejected"
    assert f"(the client {verb} “October payroll register”)" in admin.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_opting_out_leaves_the_task_in_progress_and_its_clock_running(app, clock, world, office, as_user):
    task_id = _started(app, world)
    admin = as_user(world.a.agency_admin)
    assert _ask_documents_api(admin, task_id, wait_on_client=False).status_code == 201
    form = admin.post(f"/tasks/{task_id}/documents", data={"title": "More", "due_on": DUE.isoformat(), "items": "Contract"})
    assert form.status_code == 302  # the checkbox left unticked
    assert _ask_approval_page(admin, task_id, world).status_code == 302
    task = read(app, world, task_id)
    assert task.status == "in_progress" and task.sla_paused_since is None
    for item_id in _items(app, world, task_id):
        assert _upload_page(as_user(world.a.client_admin), task_id, item_id).status_code == 302
    assert read(app, world, task_id).status == "in_progress"


def test_the_task_waits_until_no_ask_is_outstanding(app, clock, world, office, as_user):
    """A question, documents and an approval: each answer releases its own hold; the last one resumes the work."""
    task_id = _started(app, world)
    admin, boss = as_user(world.a.agency_admin), as_user(world.a.client_admin)
    clock.move_to(at(0, 10))
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "waiting_on_client", message="Which month is it for?"))
    assert _ask_documents_api(admin, task_id).status_code == 201
    assert _ask_approval_page(admin, task_id, world, wait_on_client="1").status_code == 302

    clock.move_to(at(0, 11))
    act(app, world, task_id, lambda t, a: comments.add_comment(t, a, "October."), by="client_admin")
    assert read(app, world, task_id).status == "waiting_on_client"  # documents and a decision still outstanding
    assert "They still need what else they asked you for." in boss.post(
        f"/portal/requests/{task_id}/comments", data={"body": "Sending the files now."}, follow_redirects=True
    ).get_data(as_text=True)
    for item_id in _items(app, world, task_id):
        assert _upload_page(boss, task_id, item_id).status_code == 302
    assert read(app, world, task_id).status == "waiting_on_client"  # the approval is still outstanding

    clock.move_to(at(0, 14))
    assert (
        boss.post(f"/portal/requests/{task_id}/approvals/{_approval_id(app, world, task_id)}/decision", data={"decision": "approve"}).status_code
        == 302
    )
    task = read(app, world, task_id)
    assert task.status == "in_progress" and task.sla_waiting_minutes == 240  # one pause, 10:00 to 14:00


def test_withdrawing_or_cancelling_the_last_ask_resumes_the_work(app, clock, world, office, as_user):
    task_id = _started(app, world)
    admin = as_user(world.a.agency_admin)
    assert _ask_documents_api(admin, task_id).status_code == 201
    assert _ask_approval_page(admin, task_id, world, wait_on_client="1").status_code == 302
    assert admin.post(f"/tasks/{task_id}/approvals/{_approval_id(app, world, task_id)}/withdraw").status_code == 302
    assert read(app, world, task_id).status == "waiting_on_client"
    with tenant_db(app, world.a.agency_id) as session:
        request_id = session.scalar(select(DocumentRequestItem.request_id).where(DocumentRequestItem.task_id == task_id))
    assert admin.post(f"/api/v1/tasks/{task_id}/document-requests/{request_id}/cancel").status_code == 200
    assert read(app, world, task_id).status == "in_progress"


def test_a_task_someone_moved_elsewhere_meanwhile_is_left_where_it_is(app, clock, world, office, as_user):
    task_id = _started(app, world)
    admin, boss = as_user(world.a.agency_admin), as_user(world.a.client_admin)
    assert _ask_documents_api(admin, task_id).status_code == 201
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "in_progress"))
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "in_review"))
    for item_id in _items(app, world, task_id):
        assert _upload_page(boss, task_id, item_id).status_code == 302
    assert read(app, world, task_id).status == "in_review"

    # Moved back to waiting with a new question: the documents no longer hold it, the question does.
    other = _started(app, world)
    assert _ask_documents_api(admin, other).status_code == 201
    act(app, world, other, lambda t, a: tasks.transition(t, a, "in_progress"))
    act(app, world, other, lambda t, a: tasks.transition(t, a, "waiting_on_client", message="And the contract?"))
    for item_id in _items(app, world, other):
        assert _upload_page(boss, other, item_id).status_code == 302
    assert read(app, world, other).status == "waiting_on_client"


def test_a_task_in_review_cannot_wait_and_nothing_is_asked(app, clock, world, office, as_user):
    task_id = new_task(app, world)
    act(app, world, task_id, lambda t, a: tasks.transition(t, a, "in_review"))
    admin = as_user(world.a.agency_admin)
    refused = _ask_documents_api(admin, task_id)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["fields"] == {"wait_on_client": ["Not possible while the task is in review."]}
    assert _items(app, world, task_id) == []
    assert (
        admin.post(f"/api/v1/tasks/{task_id}/approvals", json={"title": "Register", "approver_ids": [str(world.a.client_admin.id)]}).status_code
        == 409
    )
    assert _approval_id(app, world, task_id) is None
    assert _ask_documents_api(admin, task_id, wait_on_client=False).status_code == 201
    assert read(app, world, task_id).status == "in_review"


def test_the_services_leave_the_task_alone_by_default(app, clock, world, office):
    """Callers that do not say (jobs, the demo) ask without moving the task."""
    task_id = _started(app, world)
    act(app, world, task_id, lambda t, a: documents.create_request(t, a, title="Statements", due_on=DUE, items=["Bank"]))
    assert read(app, world, task_id).status == "in_progress"
