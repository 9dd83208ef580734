"""Client approvals, staff side: asking (who may approve, which files), withdrawing, the completion guard everywhere, audit and email."""

from __future__ import annotations

import html
import io

import pytest
from sqlalchemy import func, select

from app.core.audit import AuditEvent
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.types import utcnow
from app.notifications.models import Notification
from app.work.models import ApprovalApprover, ApprovalFile, ApprovalRequest, Attachment, ChecklistItem, Task
from app.work.queries.approvals import APPROVAL_NEEDED
from app.work.services import approvals, attachments, tasks
from tests.support.web import assert_error, load_user, tenant_db


def _task(session, task_id) -> Task:
    return session.scalar(select(Task).where(Task.id == task_id))


def ready_to_complete(app, world, task_id=None):
    """Put the task in progress with its checklist ticked, so only an approval can stand in the way of done."""
    with tenant_db(app, world.a.agency_id) as session:
        task = _task(session, task_id or world.a.task_id)
        task.status = "in_progress"
        for item in session.scalars(select(ChecklistItem).where(ChecklistItem.task_id == task.id)):
            item.done_at = task.created_at


def shared_file(app, world, task_id=None, *, client_visible=True, name="register.csv"):
    with tenant_db(app, world.a.agency_id) as session:
        staff = load_user(session, world.a.staff)
        row = attachments.upload(
            _task(session, task_id or world.a.task_id),
            staff,
            io.BytesIO(b"name,gross\nAda,3000.00\n"),
            name,
            "text/csv",
            client_visible=client_visible,
        )
        return row.id


def ask(app, world, *, approver_refs=None, files=(), title="October payroll register", message="Please check the totals."):
    """Staff ask the first client's admin (by default) to approve; returns the request's id."""
    with tenant_db(app, world.a.agency_id) as session:
        staff = load_user(session, world.a.staff)
        approval = approvals.request_approval(
            _task(session, world.a.task_id),
            staff,
            title=title,
            message=message,
            approver_ids=[r.id for r in (approver_refs or [world.a.client_admin])],
            attachment_ids=list(files),
        )
        return approval.id


def decide(app, world, approval_id, decision, comment=None, who=None):
    with tenant_db(app, world.a.agency_id) as session:
        user = load_user(session, who or world.a.client_admin)
        task = _task(session, world.a.task_id)
        approvals.decide(task, approvals.approval_for(task, approval_id), user, decision, comment)


def _counts(session) -> tuple:
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (ApprovalRequest, ApprovalApprover, ApprovalFile))


# --- asking ----------------------------------------------------------------------------------


def test_staff_ask_named_client_users_with_files_to_review(app, world):
    file_id = shared_file(app, world)
    approval_id = ask(app, world, approver_refs=[world.a.client_admin, world.a.client_member], files=[file_id])
    with tenant_db(app, world.a.agency_id) as session:
        approval = session.scalar(select(ApprovalRequest).where(ApprovalRequest.id == approval_id))
        assert (approval.status, approval.title, approval.requested_by_id, approval.client_id) == (
            "pending",
            "October payroll register",
            world.a.staff.id,
            world.a.client_id,
        )
        named = set(session.scalars(select(ApprovalApprover.user_id).where(ApprovalApprover.approval_id == approval_id)))
        assert named == {world.a.client_admin.id, world.a.client_member.id}
        assert list(session.scalars(select(ApprovalFile.attachment_id).where(ApprovalFile.approval_id == approval_id))) == [file_id]
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "task.approval_requested"))
        assert (event.actor_id, event.actor_email, event.target_id) == (world.a.staff.id, world.a.staff.email, str(approval_id))


@pytest.mark.parametrize("who", ["other_client_admin", "staff", "invited", "deactivated", "other_agency", "nobody"])
def test_approvers_must_be_active_users_of_the_tasks_client(app, world, who):
    if who == "deactivated":
        with tenant_db(app, world.a.agency_id) as session:
            load_user(session, world.a.client_member).deactivated_at = utcnow()
    special = {"nobody": [], "other_agency": [world.b.client_admin.id], "deactivated": [world.a.client_member.id]}
    ids = special[who] if who in special else [getattr(world.a, who).id]
    with tenant_db(app, world.a.agency_id) as session:
        before = _counts(session)
        with pytest.raises(ValidationFailed) as raised:
            approvals.request_approval(_task(session, world.a.task_id), load_user(session, world.a.staff), title="Register", approver_ids=ids)
        assert "approver_ids" in raised.value.fields
        assert _counts(session) == before


def test_files_to_review_must_be_client_visible_files_of_the_task(app, world):
    internal = shared_file(app, world, client_visible=False, name="working.csv")
    elsewhere = shared_file(app, world, world.a.other_task_id, name="other.csv")
    for file_id in (internal, elsewhere, world.a.attachment_id):
        with tenant_db(app, world.a.agency_id) as session:
            before = _counts(session)
            with pytest.raises(ValidationFailed) as raised:
                approvals.request_approval(
                    _task(session, world.a.task_id),
                    load_user(session, world.a.staff),
                    title="Register",
                    approver_ids=[world.a.client_admin.id],
                    attachment_ids=[file_id],
                )
            assert "attachment_ids" in raised.value.fields and _counts(session) == before


def test_one_pending_request_at_a_time_and_only_staff_ask(app, world):
    ask(app, world)
    with tenant_db(app, world.a.agency_id) as session:
        task = _task(session, world.a.task_id)
        with pytest.raises(ValidationFailed, match="withdraw it before asking again"):
            approvals.request_approval(task, load_user(session, world.a.staff), title="Again", approver_ids=[world.a.client_admin.id])
        with pytest.raises(Forbidden):
            approvals.request_approval(task, load_user(session, world.a.client_admin), title="Mine", approver_ids=[world.a.client_admin.id])
        assert session.scalar(select(func.count()).select_from(ApprovalRequest).where(ApprovalRequest.task_id == task.id)) == 2


def test_a_closed_task_is_reopened_before_asking(app, world):
    with tenant_db(app, world.a.agency_id) as session:
        task = _task(session, world.a.task_id)
        task.status = "cancelled"
        with pytest.raises(Conflict):
            approvals.request_approval(task, load_user(session, world.a.staff), title="Late", approver_ids=[world.a.client_admin.id])


# --- deciding and withdrawing ----------------------------------------------------------------


def test_only_a_named_approver_decides_and_only_while_pending(app, world):
    approval_id = ask(app, world)
    with tenant_db(app, world.a.agency_id) as session:
        task = _task(session, world.a.task_id)
        approval = approvals.approval_for(task, approval_id)
        with pytest.raises(Forbidden):
            approvals.decide(task, approval, load_user(session, world.a.client_member), "approve")
        with pytest.raises(Forbidden):
            approvals.decide(task, approval, load_user(session, world.a.staff), "approve")
        with pytest.raises(ValidationFailed) as raised:
            approvals.decide(task, approval, load_user(session, world.a.client_admin), "reject", "  ")
        assert "comment" in raised.value.fields and approval.status == "pending"
        with pytest.raises(ValidationFailed):
            approvals.decide(task, approval, load_user(session, world.a.client_admin), "maybe")
    decide(app, world, approval_id, "reject", "Ada's overtime is missing.")
    with tenant_db(app, world.a.agency_id) as session:
        task = _task(session, world.a.task_id)
        approval = approvals.approval_for(task, approval_id)
        assert (approval.status, approval.decided_by_id, approval.decision_comment) == (
            "rejected",
            world.a.client_admin.id,
            "Ada's overtime is missing.",
        )
        assert approval.decided_at is not None
        with pytest.raises(Conflict):
            approvals.decide(task, approval, load_user(session, world.a.client_admin), "approve")
        with pytest.raises(Conflict):
            approvals.withdraw(task, approval, load_user(session, world.a.staff))
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "task.approval_rejected"))
        assert (event.actor_id, event.actor_email, event.client_id) == (world.a.client_admin.id, world.a.client_admin.email, world.a.client_id)
        assert event.details["comment"] == "Ada's overtime is missing." and event.details["decided_at"] == approval.decided_at.isoformat()


def test_withdrawing_is_recorded(app, world):
    approval_id = ask(app, world)
    with tenant_db(app, world.a.agency_id) as session:
        task = _task(session, world.a.task_id)
        approval = approvals.approval_for(task, approval_id)
        with pytest.raises(Forbidden):
            approvals.withdraw(task, approval, load_user(session, world.a.client_admin))
        approvals.withdraw(task, approval, load_user(session, world.a.agency_admin))
        assert (approval.status, approval.withdrawn_by_id) == ("withdrawn", world.a.agency_admin.id)
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "task.approval_withdrawn"))
        assert event.actor_id == world.a.agency_admin.id
        told = session.scalars(
            select(Notification).where(Notification.kind == "approval_requested", Notification.user_id == world.a.client_admin.id)
        ).all()
        assert sorted(n.title.split(": ", 1)[1] for n in told) == [
            "your approval is needed: October payroll register",
            "your approval is no longer needed: October payroll register",
        ]
        assert all(n.url == f"/portal/requests/{world.a.task_id}" for n in told)


# --- the completion guard --------------------------------------------------------------------


@pytest.mark.parametrize("outcome, blocked", [("pending", True), ("rejected", True), ("approved", False), ("withdrawn", False)])
def test_completion_waits_for_the_latest_approval(app, world, outcome, blocked):
    ready_to_complete(app, world)
    approval_id = ask(app, world)
    if outcome == "approved":
        decide(app, world, approval_id, "approve")
    elif outcome == "rejected":
        decide(app, world, approval_id, "reject", "Not yet.")
    elif outcome == "withdrawn":
        with tenant_db(app, world.a.agency_id) as session:
            task = _task(session, world.a.task_id)
            approvals.withdraw(task, approvals.approval_for(task, approval_id), load_user(session, world.a.staff))
    with tenant_db(app, world.a.agency_id) as session:
        task = _task(session, world.a.task_id)
        staff = load_user(session, world.a.staff)
        if blocked:
            with pytest.raises(Conflict, match="needs the client's approval"):
                tasks.transition(task, staff, "done")
            assert task.status == "in_progress"
        else:
            tasks.transition(task, staff, "done")
            assert task.status == "done"


def test_a_task_without_approvals_completes_as_before(app, world):
    ready_to_complete(app, world, world.a.other_task_id)  # its world approval is approved; drop it to have none
    with tenant_db(app, world.a.agency_id) as session:
        for row in session.scalars(select(ApprovalRequest).where(ApprovalRequest.task_id == world.a.other_task_id)):
            session.delete(row)
    with tenant_db(app, world.a.agency_id) as session:
        task = _task(session, world.a.other_task_id)
        tasks.transition(task, load_user(session, world.a.agency_admin), "done")
        assert task.status == "done"


def test_the_done_button_shows_the_guard_on_the_page(app, world, as_user):
    ready_to_complete(app, world)
    ask(app, world)
    staff = as_user(world.a.staff)
    page = html.unescape(staff.get(f"/tasks/{world.a.task_id}").get_data(as_text=True))
    assert 'id="approval-hint"' in page and APPROVAL_NEEDED in page  # the hint beside the buttons
    response = staff.post(f"/tasks/{world.a.task_id}/transition", data={"status": "done"})
    assert response.status_code == 409
    assert APPROVAL_NEEDED in html.unescape(response.get_data(as_text=True))
    with tenant_db(app, world.a.agency_id) as session:
        assert _task(session, world.a.task_id).status == "in_progress"


def test_the_api_and_bulk_changes_obey_the_guard(app, world, as_user):
    ready_to_complete(app, world)
    ask(app, world)
    staff = as_user(world.a.staff)
    error = assert_error(staff.post(f"/api/v1/tasks/{world.a.task_id}/transitions", json={"status": "done"}), 409, "conflict")
    assert error["message"] == APPROVAL_NEEDED and "approval" in error["fields"]
    result = staff.post("/api/v1/tasks/bulk", json={"task_ids": [str(world.a.task_id)], "action": "status", "value": "done"}).get_json()
    assert result["results"][0]["ok"] is False and result["results"][0]["error"] == APPROVAL_NEEDED
    with tenant_db(app, world.a.agency_id) as session:
        assert _task(session, world.a.task_id).status == "in_progress"


# --- the task page ---------------------------------------------------------------------------


def test_the_task_page_asks_shows_the_state_and_withdraws(app, world, as_user):
    file_id = shared_file(app, world)
    staff = as_user(world.a.staff)
    page = staff.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    assert "Client approval" in page and "A One Boss" in page and "A One Clerk" in page and "register.csv" in page
    assert "A Two Boss" not in page  # another client's users are never offered
    response = staff.post(
        f"/tasks/{world.a.task_id}/approvals",
        data={
            "title": "Shortlist of three",
            "message": "Pick any.",
            "approver_ids": [str(world.a.client_member.id)],
            "attachment_ids": [str(file_id)],
        },
    )
    assert response.status_code == 302
    page = staff.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    assert "Waiting for A One Clerk's approval" in html.unescape(page) and "Withdraw request" in page
    assert "A register" in page  # the world's earlier, approved request is in the history
    with tenant_db(app, world.a.agency_id) as session:
        approval_id = session.scalar(select(ApprovalRequest.id).where(ApprovalRequest.status == "pending"))
    assert staff.post(f"/tasks/{world.a.task_id}/approvals/{approval_id}/withdraw").status_code == 302
    page = staff.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    assert "Withdrawn by A Staff" in page and "withdrew the approval request" in page


def test_the_task_page_shows_field_errors_and_writes_nothing(app, world, as_user):
    staff = as_user(world.a.staff)
    response = staff.post(f"/tasks/{world.a.task_id}/approvals", data={"title": "", "approver_ids": [str(world.a.client_admin.id)]})
    assert response.status_code == 422 and "Say what the client is asked to approve." in response.get_data(as_text=True)
    response = staff.post(f"/tasks/{world.a.task_id}/approvals", data={"title": "Register", "approver_ids": [str(world.a.other_client_admin.id)]})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Not an active user of this client." in body and 'value="Register"' in body
    response = staff.post(f"/tasks/{world.a.task_id}/approvals", data={"title": "Register", "approver_ids": ["not-a-uuid"]})
    assert response.status_code == 422
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(func.count()).select_from(ApprovalRequest).where(ApprovalRequest.task_id == world.a.task_id)) == 1


# --- the staff API ---------------------------------------------------------------------------


def test_staff_api_lists_asks_reads_and_withdraws(app, world, as_user):
    file_id = shared_file(app, world)
    admin = as_user(world.a.agency_admin)
    url = f"/api/v1/tasks/{world.a.task_id}/approvals"
    created = admin.post(url, json={"title": "Filing draft", "approver_ids": [str(world.a.client_admin.id)], "attachment_ids": [str(file_id)]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "pending" and body["approvers"] == [{"id": str(world.a.client_admin.id), "name": "A One Boss"}]
    assert [f["filename"] for f in body["files"]] == ["register.csv"] and body["requested_by_name"] == "A Admin"
    assert [a["title"] for a in admin.get(url).get_json()] == ["Filing draft", "A register"]
    assert admin.get(f"{url}/{body['id']}").get_json()["title"] == "Filing draft"
    assert_error(admin.post(url, json={"title": "Again", "approver_ids": [str(world.a.client_admin.id)]}), 422)
    withdrawn = admin.post(f"{url}/{body['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert_error(admin.post(f"{url}/{body['id']}/withdraw"), 409)


def test_staff_api_refuses_bad_input_and_other_people(app, world, as_user):
    url = f"/api/v1/tasks/{world.a.task_id}/approvals"
    admin = as_user(world.a.agency_admin)
    assert_error(admin.post(url, json={"title": "X", "approver_ids": []}), 422)
    assert_error(admin.post(url, json={"title": "X", "approver_ids": [str(world.a.other_client_admin.id)]}), 422)
    assert_error(admin.post(url, json={"title": "X", "approver_ids": [str(world.a.client_admin.id)], "surprise": 1}), 422)
    assert_error(as_user(world.a.client_admin).post(url, json={"title": "X", "approver_ids": [str(world.a.client_admin.id)]}), 403)
    assert_error(as_user(world.a.idle_staff).get(url), 404)  # out of reach
    assert_error(admin.get(f"/api/v1/tasks/{world.a.task_id}/approvals/{world.a.other_approval_request_id}"), 404)  # another task's
    assert_error(admin.get(f"/api/v1/tasks/{world.b.task_id}/approvals"), 404)
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(func.count()).select_from(ApprovalRequest)) == 2


# --- notifications by email ------------------------------------------------------------------


def test_approvers_and_then_the_assignee_are_emailed(app, world, smtp):
    from tests.worker.test_jobs import drain

    approval_id = ask(app, world, title="October payroll register", message="Please check the totals.")
    drain(app)
    [asked] = smtp.inbox.to(world.a.client_admin.email)
    text = asked.get_body(preferencelist=("plain",)).get_content()
    assert asked["Subject"].endswith("your approval is needed: October payroll register")
    assert "Your approval is needed." in text and "Please check the totals." in text
    assert f"http://backline.test/portal/requests/{world.a.task_id}" in text and "Approvals asked of me" in text
    assert smtp.inbox.to(world.a.client_member.email) == []  # not named
    decide(app, world, approval_id, "reject", "Ada's overtime is missing.")
    drain(app)
    [decided] = smtp.inbox.to(world.a.staff.email)  # the assignee, who also watches and asked: one email
    text = decided.get_body(preferencelist=("plain",)).get_content()
    assert "rejected by A One Boss: October payroll register" in decided["Subject"]
    assert "Ada's overtime is missing." in text and f"http://backline.test/tasks/{world.a.task_id}" in text
    assert "Approval decisions" in text


def test_a_file_under_approval_stays_until_the_request_is_withdrawn(app, world):
    file_id = shared_file(app, world)
    approval_id = ask(app, world, files=[file_id])
    with tenant_db(app, world.a.agency_id) as session:
        task = _task(session, world.a.task_id)
        row = session.scalar(select(Attachment).where(Attachment.id == file_id))
        with pytest.raises(Conflict, match="part of the approval “October payroll register”"):
            attachments.delete_attachment(task, row, load_user(session, world.a.agency_admin))
    with tenant_db(app, world.a.agency_id) as session:
        task = _task(session, world.a.task_id)
        approvals.withdraw(task, approvals.approval_for(task, approval_id), load_user(session, world.a.agency_admin))
    with tenant_db(app, world.a.agency_id) as session:
        task = _task(session, world.a.task_id)
        attachments.delete_attachment(
            task, session.scalar(select(Attachment).where(Attachment.id == file_id)), load_user(session, world.a.agency_admin)
        )
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(Attachment).where(Attachment.id == file_id)) is None
        assert session.scalars(select(ApprovalFile).where(ApprovalFile.attachment_id == file_id)).all() == []
