"""Document requests from the agency's side: asking, reviewing, closing, cancelling, through the services, pages and API."""

from __future__ import annotations

import html
import io
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.audit import AuditEvent
from app.core.errors import Conflict
from app.notifications.models import Notification
from app.work.models import Activity, Attachment, DocumentRequest, DocumentRequestItem, Task
from app.work.queries import attachments as attachment_queries
from app.work.queries import checklist as checklist_queries
from app.work.services import attachments, checklist, documents, tasks
from tests.support.web import assert_error, bearer, load_user, tenant_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _soon(days: int = 7) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def _count(app, world, model, **where) -> int:
    with tenant_db(app, world.a.agency_id) as session:
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return session.scalar(stmt)


def _item(app, world, item_id) -> DocumentRequestItem:
    with tenant_db(app, world.a.agency_id) as session:
        row = session.scalar(select(DocumentRequestItem).where(DocumentRequestItem.id == uuid.UUID(str(item_id))))
        session.expunge(row)
        return row


def _request(app, world, request_id) -> DocumentRequest:
    with tenant_db(app, world.a.agency_id) as session:
        row = session.scalar(select(DocumentRequest).where(DocumentRequest.id == uuid.UUID(str(request_id))))
        session.expunge(row)
        return row


def _notes(app, world, user_ref, kind) -> list[Notification]:
    with tenant_db(app, world.a.agency_id) as session:
        rows = list(
            session.scalars(
                select(Notification).where(Notification.user_id == user_ref.id, Notification.kind == kind).order_by(Notification.created_at)
            )
        )
        session.expunge_all()
        return rows


def test_staff_ask_and_the_clients_people_are_told(app, world, client):
    headers = bearer(app, world.a.staff)
    response = client.post(
        f"/api/v1/tasks/{world.a.task_id}/document-requests",
        headers=headers,
        json={
            "title": "October bookkeeping",
            "due_on": _soon(),
            "message": "For the October close.",
            "items": [{"name": "October bank statements", "note": "Main current account"}, {"name": "Signed offer letter"}],
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "open" and body["missing"] == 2 and body["overdue"] is False
    assert [(i["name"], i["status"], i["position"]) for i in body["items"]] == [
        ("October bank statements", "missing", 0),
        ("Signed offer letter", "missing", 1),
    ]
    assert body["items"][0]["note"] == "Main current account"
    for person in (world.a.client_admin, world.a.client_member):
        [note] = _notes(app, world, person, "document_requested")
        assert note.title.startswith("October bookkeeping: 2 documents needed by")
        assert "October bank statements" in note.body and note.url == f"/portal/requests/{world.a.task_id}#documents"
    assert _notes(app, world, world.a.other_client_admin, "document_requested") == []  # another client's people
    assert _count(app, world, Activity, task_id=world.a.task_id, kind="document_requested") == 1
    assert _count(app, world, AuditEvent, action="task.document_requested") == 1
    listed = client.get(f"/api/v1/tasks/{world.a.task_id}/document-requests", headers=headers).get_json()
    assert listed[0]["id"] == body["id"]  # open and newest first


def test_bad_requests_answer_422_and_change_nothing(app, world, client):
    headers = bearer(app, world.a.staff)
    before = _count(app, world, DocumentRequest)
    past = (date.today() - timedelta(days=2)).isoformat()
    url = f"/api/v1/tasks/{world.a.task_id}/document-requests"
    assert "due_on" in assert_error(client.post(url, headers=headers, json={"title": "X", "due_on": past, "items": [{"name": "A"}]}), 422)["fields"]
    assert "items" in assert_error(client.post(url, headers=headers, json={"title": "X", "due_on": _soon(), "items": []}), 422)["fields"]
    blank = client.post(url, headers=headers, json={"title": "X", "due_on": _soon(), "items": [{"name": "  "}]})
    assert "items" in assert_error(blank, 422)["fields"]
    assert "title" in assert_error(client.post(url, headers=headers, json={"due_on": _soon(), "items": [{"name": "A"}]}), 422)["fields"]
    assert_error(client.post(url, headers=headers, json={"title": "X", "due_on": "soon", "items": [{"name": "A"}]}), 422)
    assert _count(app, world, DocumentRequest) == before


def test_client_users_cannot_ask_or_review_and_other_tenants_are_not_found(app, world, client):
    member = bearer(app, world.a.client_admin)
    response = client.post(
        f"/api/v1/tasks/{world.a.task_id}/document-requests", headers=member, json={"title": "X", "due_on": _soon(), "items": [{"name": "A"}]}
    )
    assert_error(response, 403)
    assert_error(client.post(f"/api/v1/tasks/{world.a.task_id}/document-items/{world.a.document_item_id}/accept", headers=member), 403)
    staff = bearer(app, world.a.staff)
    assert_error(
        client.post(
            f"/api/v1/tasks/{world.b.task_id}/document-requests", headers=staff, json={"title": "X", "due_on": _soon(), "items": [{"name": "A"}]}
        ),
        404,
    )
    # An item of another task (of the same agency) through this task's URL.
    assert_error(
        client.post(
            f"/api/v1/tasks/{world.a.task_id}/document-items/{world.a.other_document_item_id}/accept", headers=bearer(app, world.a.agency_admin)
        ),
        404,
    )
    assert _item(app, world, world.a.other_document_item_id).status == "uploaded"


def test_upload_reject_upload_accept_closes_the_request(app, world, client):
    staff = bearer(app, world.a.staff)
    body = client.post(
        f"/api/v1/tasks/{world.a.task_id}/document-requests",
        headers=staff,
        json={"title": "October bookkeeping", "due_on": _soon(), "items": [{"name": "October bank statements"}]},
    ).get_json()
    item_id = body["items"][0]["id"]
    boss = bearer(app, world.a.client_admin)
    sent = client.post(
        f"/api/v1/portal/requests/{world.a.task_id}/documents/{item_id}",
        headers=boss,
        data={"file": (io.BytesIO(PDF), "october.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["status"] == "uploaded" and sent.get_json()["file"]["filename"] == "october.pdf"
    # The assignee (a watcher too) hears of it once.
    [told] = _notes(app, world, world.a.staff, "document_uploaded")
    assert "October bank statements" in told.title and told.url == f"/tasks/{world.a.task_id}#documents"
    # The file is one of the task's client-visible files.
    first_file = _item(app, world, item_id).attachment_id
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(Attachment.client_visible).where(Attachment.id == first_file)) is True
    reject_url = f"/api/v1/tasks/{world.a.task_id}/document-items/{item_id}/reject"
    assert "reason" in assert_error(client.post(reject_url, headers=staff, json={"reason": ""}), 422)["fields"]
    assert _item(app, world, item_id).status == "uploaded"
    rejected = client.post(reject_url, headers=staff, json={"reason": "This is September's statement."})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    notes = _notes(app, world, world.a.client_admin, "document_requested")
    assert "October bank statements" in notes[-1].title and "This is September's statement." in notes[-1].body
    # A second review of the same file is refused: there is nothing new to review.
    assert_error(client.post(f"/api/v1/tasks/{world.a.task_id}/document-items/{item_id}/accept", headers=staff), 409)
    again = client.post(
        f"/api/v1/portal/requests/{world.a.task_id}/documents/{item_id}",
        headers=boss,
        data={"file": (io.BytesIO(PDF), "october-main.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 201 and again.get_json()["reject_reason"] is None
    accepted = client.post(f"/api/v1/tasks/{world.a.task_id}/document-items/{item_id}/accept", headers=staff)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    row = _request(app, world, body["id"])
    assert row.status == "closed" and row.closed_at is not None
    # The rejected file stays among the task's files (history), and the timeline tells the story.
    assert _count(app, world, Attachment, id=first_file) == 1
    kinds = [
        k
        for k in ("document_uploaded", "document_rejected", "document_accepted", "document_request_completed")
        if _count(app, world, Activity, task_id=world.a.task_id, kind=k)
    ]
    assert len(kinds) == 4
    # Nothing more can be sent for a closed request.
    assert_error(
        client.post(
            f"/api/v1/portal/requests/{world.a.task_id}/documents/{item_id}",
            headers=boss,
            data={"file": (io.BytesIO(PDF), "x.pdf", "application/pdf")},
            content_type="multipart/form-data",
        ),
        409,
    )


def test_open_documents_do_not_block_completion(app, world):
    with tenant_db(app, world.a.agency_id) as session:
        staff = load_user(session, world.a.staff)
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        documents.create_request(task, staff, title="Payroll inputs", due_on=date.today() + timedelta(days=3), items=["Timesheets"])
        for item in checklist_queries.items_of(task):
            checklist.set_done(task, item, staff, True)
        tasks.transition(task, staff, "in_progress")
        tasks.transition(task, staff, "done")
        assert task.status == "done"


def test_items_are_added_and_removed_while_open_and_a_cancelled_request_is_frozen(app, world):
    with tenant_db(app, world.a.agency_id) as session:
        staff = load_user(session, world.a.staff)
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        row = documents.create_request(task, staff, title="Onboarding", due_on=date.today(), items=["Passport copy"])
        extra = documents.add_item(task, row, staff, "Signed offer letter", "Page 3 too")
        assert extra.position == 1
        documents.remove_item(task, extra, staff)
        [only] = documents.items_of(row)
        with pytest.raises(Conflict, match="at least one"):
            documents.remove_item(task, only, staff)
        documents.cancel_request(task, row, staff)
        assert row.status == "cancelled"
        with pytest.raises(Conflict):
            documents.add_item(task, row, staff, "More")


def test_deleting_a_sent_file_puts_the_document_back_to_missing_but_an_accepted_one_stays(app, world):
    with tenant_db(app, world.a.agency_id) as session:
        admin = load_user(session, world.a.agency_admin)
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        row = documents.create_request(task, admin, title="Year end", due_on=date.today() + timedelta(days=5), items=["Ledger", "Bank"])
        ledger, bank = documents.items_of(row)
        documents.upload(task, ledger, admin, io.BytesIO(PDF), "ledger.pdf", "application/pdf")
        documents.upload(task, bank, admin, io.BytesIO(PDF), "bank.pdf", "application/pdf")
        documents.accept(task, bank, admin)
        attachments.delete_attachment(task, attachment_queries.attachment_of(task, ledger.attachment_id, admin), admin)
        assert (ledger.status, ledger.attachment_id) == ("missing", None)
        with pytest.raises(Conflict, match="accepted"):
            attachments.delete_attachment(task, attachment_queries.attachment_of(task, bank.attachment_id, admin), admin)


def test_the_task_page_shows_what_is_still_missing_and_reviews_by_form(app, world, as_user):
    staff = as_user(world.a.staff)
    page = staff.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    assert "Documents" in page and "October bank statement" in page and "1 to review" in page
    created = staff.post(
        f"/tasks/{world.a.task_id}/documents",
        data={"title": "Hiring pack", "due_on": _soon(3), "items": "Passport copy\n\nSigned offer letter\nP45\n", "message": ""},
    )
    assert created.status_code == 302
    page = staff.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    assert "3 of 4 documents still missing" in page and "Hiring pack" in page
    due = date.fromisoformat(_soon(3))
    assert f"for “Hiring pack”, due {due.day} {due:%b %Y}" in html.unescape(page)  # the timeline, as people read dates (en-GB)
    # A bad form is shown again, with the error beside the field, and changes nothing.
    before = _count(app, world, DocumentRequest)
    bad = staff.post(f"/tasks/{world.a.task_id}/documents", data={"title": "Pack", "due_on": "2001-01-01", "items": "A"})
    assert bad.status_code == 422 and "The due date is in the past." in bad.get_data(as_text=True)
    assert "Choose today or a later date." in bad.get_data(as_text=True)
    assert _count(app, world, DocumentRequest) == before
    no_reason = staff.post(f"/tasks/{world.a.task_id}/documents/items/{world.a.document_item_id}", data={"action": "reject", "reason": " "})
    assert no_reason.status_code == 422 and "Say why the file is rejected" in no_reason.get_data(as_text=True)
    accepted = staff.post(f"/tasks/{world.a.task_id}/documents/items/{world.a.document_item_id}", data={"action": "accept"})
    assert accepted.status_code == 302
    assert _item(app, world, world.a.document_item_id).status == "accepted"
    page = staff.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    assert "3 of 3 documents still missing" in page  # the first request is complete; the hiring pack is still open
    assert "received every document" in page  # the timeline


def test_the_task_page_says_everything_is_received_once_the_last_document_is_accepted(app, world, as_user):
    staff = as_user(world.a.staff)
    page = staff.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    assert "1 to review" in page and "Everything received" not in page
    accepted = staff.post(f"/tasks/{world.a.task_id}/documents/items/{world.a.document_item_id}", data={"action": "accept"})
    assert accepted.status_code == 302
    page = staff.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    assert "received every document" in page  # the request completed with its last document
    start = page.index('id="documents-heading"')
    header = page[start : page.index("</div>", start)]  # the Documents card's heading and its summary badge
    assert "Everything received" in header and "still missing" not in header and "to review" not in header


def test_a_form_upload_with_a_bad_file_is_refused_beside_the_item(app, world, as_user):
    staff = as_user(world.a.staff)
    response = staff.post(
        f"/tasks/{world.a.task_id}/documents/items/{world.a.document_item_id}",
        data={"action": "upload", "file": (io.BytesIO(b"MZ\x90\x00"), "tool.exe", "application/octet-stream")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "cannot be attached" in response.get_data(as_text=True)
    assert _item(app, world, world.a.document_item_id).attachment_id == world.a.attachment_id


def test_a_retried_request_with_an_idempotency_key_asks_once(app, world, client):
    headers = {**bearer(app, world.a.staff), "Idempotency-Key": "ask-october-once"}
    body = {"title": "October bookkeeping", "due_on": _soon(), "items": [{"name": "October bank statements"}]}
    before = _count(app, world, DocumentRequest)
    first = client.post(f"/api/v1/tasks/{world.a.task_id}/document-requests", headers=headers, json=body)
    again = client.post(f"/api/v1/tasks/{world.a.task_id}/document-requests", headers=headers, json=body)
    assert first.status_code == again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert first.get_json()["id"] == again.get_json()["id"]
    assert _count(app, world, DocumentRequest) == before + 1
    assert len(_notes(app, world, world.a.client_admin, "document_requested")) == 1
