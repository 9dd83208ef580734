"""Client approvals in the portal: the approver's panel, read-only for the others, waiting on you, the portal API, isolation."""

from __future__ import annotations

import html
import io
import re
import uuid

from sqlalchemy import select

from app.core.audit import AuditEvent
from app.notifications.models import Notification
from app.work.models import ApprovalRequest, ChecklistItem, Task
from app.work.services import approvals, attachments, tasks
from tests.support.web import assert_error, bearer, load_user, tenant_db


def _ask(app, world, task_id=None, approvers=None, *, with_file=True):
    """Staff upload a client-visible register and ask the first client's admin to approve it; returns the request's id."""
    with tenant_db(app, world.a.agency_id) as session:
        staff = load_user(session, world.a.agency_admin)
        task = session.scalar(select(Task).where(Task.id == (task_id or world.a.task_id)))
        files = []
        if with_file:
            files.append(
                attachments.upload(task, staff, io.BytesIO(b"name,gross\nAda,3000.00\n"), "payroll-register.csv", "text/csv", client_visible=True).id
            )
        approval = approvals.request_approval(
            task,
            staff,
            title="October payroll register",
            message="Please check the totals.",
            approver_ids=[r.id for r in (approvers or [world.a.client_admin])],
            attachment_ids=files,
        )
        return approval.id


def _approval(app, world, approval_id) -> ApprovalRequest:
    with tenant_db(app, world.a.agency_id) as session:
        row = session.scalar(select(ApprovalRequest).where(ApprovalRequest.id == approval_id))
        session.expunge(row)
        return row


def _decision_url(world, approval_id, task_id=None) -> str:
    return f"/portal/requests/{task_id or world.a.task_id}/approvals/{approval_id}/decision"


# --- pages -----------------------------------------------------------------------------------


def test_the_named_approver_sees_the_panel_and_others_a_read_only_note(app, world, as_user):
    _ask(app, world)
    page = html.unescape(as_user(world.a.client_admin).get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True))
    assert "Your approval is needed" in page and "October payroll register" in page and "Please check the totals." in page
    assert 'value="approve"' in page and 'value="reject"' in page and "payroll-register.csv" in page
    other = html.unescape(as_user(world.a.client_member).get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True))
    assert "Waiting for A One Boss's approval" in other and "payroll-register.csv" in other
    assert "Your approval is needed" not in other and 'value="approve"' not in other


def test_home_lists_pending_approvals_for_the_named_user_only(app, world, as_user):
    _ask(app, world)
    home = html.unescape(as_user(world.a.client_admin).get("/portal").get_data(as_text=True))
    assert "Your approval is needed: <strong>October payroll register</strong>" in home and "Review and decide" in home
    assert "Nothing needs you right now" not in home
    member_home = as_user(world.a.client_member).get("/portal").get_data(as_text=True)
    assert "October payroll register" not in member_home and "Nothing needs you right now" in member_home


def test_approving_from_the_page_is_recorded_and_lets_the_task_complete(app, world, as_user):
    approval_id = _ask(app, world)
    boss = as_user(world.a.client_admin)
    response = boss.post(_decision_url(world, approval_id), data={"decision": "approve", "comment": "Looks right."})
    assert response.status_code == 302 and response.headers["Location"].endswith("#approvals")
    approval = _approval(app, world, approval_id)
    assert (approval.status, approval.decided_by_id, approval.decision_comment) == ("approved", world.a.client_admin.id, "Looks right.")
    page = html.unescape(boss.get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True))
    assert "A One Boss approved it" in page and "Your approval is needed" not in page
    history = page[page.index("History") :]
    assert "approved “October payroll register”" in history and "to approve “October payroll register”" in history
    with tenant_db(app, world.a.agency_id) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "task.approval_approved"))
        assert (event.actor_id, event.actor_email, event.target_id) == (world.a.client_admin.id, world.a.client_admin.email, str(approval_id))
        kinds = {n.kind for n in session.scalars(select(Notification).where(Notification.user_id == world.a.staff.id))}
        assert "approval_decided" in kinds  # the assignee hears of it
    with tenant_db(app, world.a.agency_id) as session:
        for item in session.scalars(select(ChecklistItem).where(ChecklistItem.task_id == world.a.task_id)):
            item.done_at = approval.decided_at
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        tasks.transition(task, load_user(session, world.a.agency_admin), "in_progress")
        tasks.transition(task, load_user(session, world.a.agency_admin), "done")
        assert task.status == "done"


def test_rejecting_needs_a_comment_shown_beside_the_field(app, world, as_user):
    approval_id = _ask(app, world)
    boss = as_user(world.a.client_admin)
    response = boss.post(_decision_url(world, approval_id), data={"decision": "reject", "comment": "  "})
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "Say why you reject it" in body and "is-invalid" in body
    assert _approval(app, world, approval_id).status == "pending"
    response = boss.post(_decision_url(world, approval_id), data={"decision": "reject", "comment": "Ada's overtime is missing."})
    assert response.status_code == 302
    page = html.unescape(boss.get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True))
    assert "A One Boss rejected it" in page and "Ada's overtime is missing." in page


def test_people_not_named_or_of_another_client_cannot_decide(app, world, as_user):
    approval_id = _ask(app, world)
    assert as_user(world.a.client_member).post(_decision_url(world, approval_id), data={"decision": "approve"}).status_code == 403
    assert as_user(world.a.other_client_admin).post(_decision_url(world, approval_id), data={"decision": "approve"}).status_code == 404
    assert as_user(world.a.staff).post(_decision_url(world, approval_id), data={"decision": "approve"}).status_code == 403
    # another task's request under this task's address
    other_id = _ask(app, world, world.a.other_task_id, [world.a.other_client_admin], with_file=False)
    assert as_user(world.a.client_admin).post(_decision_url(world, other_id), data={"decision": "approve"}).status_code == 404
    assert _approval(app, world, approval_id).status == "pending" and _approval(app, world, other_id).status == "pending"


def test_the_e2e_flow_a_client_request_approved_by_the_client(app, world, as_user):
    """A client asks for work, staff ask for approval on it, the client approves, staff complete it."""
    boss = as_user(world.a.client_admin)
    response = boss.post("/portal/requests/new", data={"task_type_id": str(world.a.task_type_id), "title": "November payroll"})
    task_id = uuid.UUID(re.search(r"/portal/requests/([0-9a-f-]{36})", response.headers["Location"]).group(1))
    admin = as_user(world.a.agency_admin)
    assert admin.post(f"/tasks/{task_id}/transition", data={"status": "in_progress"}).status_code == 302
    for item in admin.get(f"/api/v1/tasks/{task_id}/checklist").get_json():
        assert admin.patch(f"/api/v1/tasks/{task_id}/checklist/{item['id']}", json={"done": True}).status_code == 200
    created = admin.post(f"/api/v1/tasks/{task_id}/approvals", json={"title": "Register", "approver_ids": [str(world.a.client_admin.id)]})
    assert created.status_code == 201
    assert admin.post(f"/tasks/{task_id}/transition", data={"status": "done"}).status_code == 409
    assert "Your approval is needed" in boss.get(f"/portal/requests/{task_id}").get_data(as_text=True)
    assert boss.post(_decision_url(world, created.get_json()["id"], task_id), data={"decision": "approve"}).status_code == 302
    assert admin.post(f"/tasks/{task_id}/transition", data={"status": "done"}).status_code == 302


# --- the portal API --------------------------------------------------------------------------


def test_portal_api_lists_what_waits_on_me_and_decides(app, world):
    approval_id = _ask(app, world)
    client = app.test_client()
    boss, clerk = bearer(app, world.a.client_admin), bearer(app, world.a.client_member)
    listed = client.get("/api/v1/portal/approvals", headers=boss).get_json()
    [item] = listed["items"]
    assert item["id"] == str(approval_id) and item["request_id"] == str(world.a.task_id) and item["can_decide"] is True
    assert item["request_title"] and item["request_reference"] and [f["filename"] for f in item["files"]] == ["payroll-register.csv"]
    assert item["approvers"] == [{"name": "A One Boss", "mine": True}]
    assert set(item) >= {"title", "message", "status", "requested_by_name"} and "requested_by_id" not in item
    assert client.get("/api/v1/portal/approvals", headers=clerk).get_json()["items"] == []
    detail = client.get(f"/api/v1/portal/requests/{world.a.task_id}", headers=clerk).get_json()
    assert [a["status"] for a in detail["approvals"]] == ["pending", "approved"] and detail["approvals"][0]["can_decide"] is False
    url = f"/api/v1/portal/requests/{world.a.task_id}/approvals/{approval_id}/decision"
    assert_error(client.post(url, headers=clerk, json={"decision": "approve"}), 403)
    assert_error(client.post(url, headers=boss, json={"decision": "reject"}), 422)
    assert_error(client.post(url, headers=boss, json={"decision": "perhaps"}), 422)
    assert_error(client.post(url, headers=boss, json={"decision": "approve", "extra": True}), 422)
    rejected = client.post(url, headers=boss, json={"decision": "reject", "comment": "Wrong month."})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["decided_by_name"] == "A One Boss" and rejected.get_json()["decision_comment"] == "Wrong month."
    assert_error(client.post(url, headers=boss, json={"decision": "approve"}), 409)
    assert client.get("/api/v1/portal/approvals", headers=boss).get_json()["items"] == []


def test_portal_api_is_for_client_users_of_the_right_client(app, world):
    approval_id = _ask(app, world)
    client = app.test_client()
    url = f"/api/v1/portal/requests/{world.a.task_id}/approvals/{approval_id}/decision"
    assert_error(client.post(url, headers=bearer(app, world.a.staff), json={"decision": "approve"}), 403)
    assert_error(client.get("/api/v1/portal/approvals", headers=bearer(app, world.a.agency_admin)), 403)
    assert_error(client.post(url, headers=bearer(app, world.a.other_client_admin), json={"decision": "approve"}), 404)
    assert_error(client.post(url, headers=bearer(app, world.b.client_admin), json={"decision": "approve"}), 404)
    assert _approval(app, world, approval_id).status == "pending"
