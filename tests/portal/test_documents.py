"""Documents asked of a client, from the client's side: the portal's section and home list, uploads, the API, reminders."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select, update

from app.work.models import DocumentRequest, DocumentRequestItem, Task
from app.work.services import documents
from tests.support.web import assert_error, bearer, load_user, tenant_db
from tests.worker.test_jobs import drain

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _ask(app, world, *, due_on=None, items=("October bank statements", "Signed offer letter"), task_key="task_id"):
    """Staff ask the client of world.a's task for documents; returns (request id, [item ids])."""
    with tenant_db(app, world.a.agency_id) as session:
        staff = load_user(session, world.a.agency_admin)
        task = session.scalar(select(Task).where(Task.id == getattr(world.a, task_key)))
        row = documents.create_request(
            task,
            staff,
            title="October bookkeeping",
            due_on=due_on or date.today() + timedelta(days=7),
            items=list(items),
            message="For the October close.",
        )
        return row.id, [item.id for item in documents.items_of(row)]


def _item(app, world, item_id) -> DocumentRequestItem:
    with tenant_db(app, world.a.agency_id) as session:
        row = session.scalar(select(DocumentRequestItem).where(DocumentRequestItem.id == item_id))
        session.expunge(row)
        return row


def _upload_page(user, task_id, item_id, data=PDF, filename="october.pdf", content_type="application/pdf"):
    return user.post(
        f"/portal/requests/{task_id}/documents/{item_id}",
        data={"file": (io.BytesIO(data), filename, content_type)},
        content_type="multipart/form-data",
    )


def _upload_api(client, headers, task_id, item_id, data=PDF, filename="october.pdf", content_type="application/pdf"):
    return client.post(
        f"/api/v1/portal/requests/{task_id}/documents/{item_id}",
        headers=headers,
        data={"file": (io.BytesIO(data), filename, content_type)},
        content_type="multipart/form-data",
    )


def test_the_request_page_lists_the_documents_and_takes_a_file_per_item(app, world, as_user):
    _, (statements, letter) = _ask(app, world)
    boss = as_user(world.a.client_admin)
    page = boss.get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True)
    assert "Documents we need" in page and "October bank statements" in page and "Signed offer letter" in page
    assert "For the October close." in page and "Upload the file" in page
    home = boss.get("/portal").get_data(as_text=True)
    assert "October bookkeeping" in home and "2 of 2 documents to send" in home
    response = _upload_page(boss, world.a.task_id, statements)
    assert response.status_code == 302 and response.headers["Location"].endswith("#documents")
    page = boss.get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True)
    assert "Sent, being checked" in page and "october.pdf" in page and "Replace the file" in page
    assert "1 of 2 documents to send" in boss.get("/portal").get_data(as_text=True)
    row = _item(app, world, statements)
    assert row.status == "uploaded" and row.uploaded_by_id == world.a.client_admin.id
    # The file is one of the request's shared files, downloadable from the portal.
    download = boss.get(f"/portal/requests/{world.a.task_id}/files/{row.attachment_id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    # After the agency sends it back, the reason shows and a new file can be sent.
    with tenant_db(app, world.a.agency_id) as session:
        staff = load_user(session, world.a.staff)
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        documents.reject(
            task, session.scalar(select(DocumentRequestItem).where(DocumentRequestItem.id == statements)), staff, "These are September's statements."
        )
    page = boss.get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True)
    assert "Sent back" in page and "These are September&#39;s statements." in page and "Send a new file" in page
    assert _upload_page(boss, world.a.task_id, statements, filename="october-2.pdf").status_code == 302
    assert _item(app, world, statements).status == "uploaded"
    assert letter


def test_an_overdue_request_is_flagged_on_home_and_page(app, world, as_user):
    request_id, _ = _ask(app, world, due_on=date.today())
    with tenant_db(app, world.a.agency_id) as session:
        session.execute(update(DocumentRequest).where(DocumentRequest.id == request_id).values(due_on=date.today() - timedelta(days=3)))
    member = as_user(world.a.client_member)
    assert "Overdue" in member.get("/portal").get_data(as_text=True)
    assert "Overdue" in member.get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True)


def test_another_clients_or_agencys_documents_are_not_found_and_nothing_changes(app, world, as_user, client):
    _, (mine, _) = _ask(app, world)
    boss = as_user(world.a.client_admin)
    headers = bearer(app, world.a.client_admin)
    for task_id, item_id in (
        (world.a.other_task_id, world.a.other_document_item_id),
        (world.a.task_id, world.a.other_document_item_id),
        (world.a.other_task_id, mine),
        (world.b.task_id, world.b.document_item_id),
        (world.a.task_id, world.b.document_item_id),
    ):
        assert _upload_page(boss, task_id, item_id).status_code == 404
        assert_error(_upload_api(client, headers, task_id, item_id), 404)
    assert_error(client.get(f"/api/v1/portal/requests/{world.a.other_task_id}/documents", headers=headers), 404)
    assert_error(client.get(f"/api/v1/portal/requests/{world.b.task_id}/documents", headers=headers), 404)
    assert _item(app, world, world.a.other_document_item_id).attachment_id == world.a.other_attachment_id
    assert _item(app, world, mine).status == "missing"
    # Staff tokens have no business on the portal API.
    assert_error(_upload_api(client, bearer(app, world.a.staff), world.a.task_id, mine), 403)


def test_the_api_shows_documents_without_staff_only_fields_and_takes_uploads(app, world, client):
    _, (statements, _) = _ask(app, world)
    headers = bearer(app, world.a.client_member)
    detail = client.get(f"/api/v1/portal/requests/{world.a.task_id}", headers=headers).get_json()
    asked = {r["title"]: r for r in detail["document_requests"]}["October bookkeeping"]
    assert asked["missing"] == 2 and asked["status"] == "open" and asked["overdue"] is False
    assert [i["status"] for i in asked["items"]] == ["missing", "missing"] and asked["items"][0]["can_upload"] is True
    listed = client.get(f"/api/v1/portal/requests/{world.a.task_id}/documents", headers=headers).get_json()
    text = json.dumps(detail) + json.dumps(listed)
    for internal in (
        "reviewed_by_id",
        "uploaded_by_id",
        "requested_by_id",
        "attachment_id",
        "last_reminded_at",
        "sha256",
        "INTERNAL-NOTE",
        "storage_key",
    ):
        assert internal not in text, internal
    sent = _upload_api(client, headers, world.a.task_id, statements)
    assert sent.status_code == 201, sent.get_json()
    body = sent.get_json()
    assert body["status"] == "uploaded" and body["file"]["filename"] == "october.pdf" and "uploaded_by_id" not in body


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "message"),
    [
        (b"MZ\x90\x00", "invoice.exe", "application/octet-stream", "cannot be attached"),
        (PNG, "statement.pdf", "application/pdf", "not a valid .pdf file"),
        (PDF, "statement.pdf", "image/png", "does not match"),
        (b"", "empty.pdf", "application/pdf", "not a valid .pdf"),
    ],
)
def test_bad_files_are_refused_with_422_beside_the_item(app, world, as_user, client, data, filename, content_type, message):
    _, (statements, _) = _ask(app, world)
    boss = as_user(world.a.client_admin)
    page = _upload_page(boss, world.a.task_id, statements, data, filename, content_type)
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    error = assert_error(_upload_api(client, bearer(app, world.a.client_admin), world.a.task_id, statements, data, filename, content_type), 422)
    assert "file" in error["fields"]
    no_file = client.post(
        f"/api/v1/portal/requests/{world.a.task_id}/documents/{statements}",
        headers=bearer(app, world.a.client_admin),
        data={},
        content_type="multipart/form-data",
    )
    assert_error(no_file, 422)
    row = _item(app, world, statements)
    assert (row.status, row.attachment_id) == ("missing", None)


# --- reminders -------------------------------------------------------------------------------

MONDAY = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # London is on UTC in early March
DUE_FRIDAY = date(2027, 3, 5)


def _run_reminders(app, world) -> dict:
    from worker.jobs.documents import remind_document_requests

    with app.app_context():
        result = remind_document_requests(agency_id=str(world.a.agency_id))
    drain(app)
    return result


def _subjects(smtp, ref) -> list[str]:
    return [m["Subject"] for m in smtp.inbox.to(ref.email)]


def _reference(app, world) -> str:
    with tenant_db(app, world.a.agency_id) as session:
        return session.scalar(select(Task.reference).where(Task.id == world.a.task_id))


def test_reminders_before_on_and_after_the_due_date_until_everything_is_accepted(app, world, smtp):
    reference = _reference(app, world)
    with time_machine.travel(MONDAY, tick=False) as clock:
        request_id, (statements, letter) = _ask(app, world, due_on=DUE_FRIDAY)
        drain(app)
        [asked] = _subjects(smtp, world.a.client_admin)
        assert asked == "October bookkeeping: 2 documents needed by 5 Mar 2027"
        assert _run_reminders(app, world) == {"reminded": 0}  # Monday: not yet two working days before

        clock.move_to(datetime(2027, 3, 3, 8, 0, tzinfo=UTC))  # Wednesday: two working days before Friday
        assert _run_reminders(app, world) == {"reminded": 1}
        assert _run_reminders(app, world) == {"reminded": 0}  # a rerun sends nothing twice
        for person in (world.a.client_admin, world.a.client_member):
            assert _subjects(smtp, person)[-1] == f"Reminder: 2 documents for {reference} due Fri 5 Mar"
        message = smtp.inbox.to(world.a.client_member.email)[-1]
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "Agency A needs documents from you." in text and "October bank statements" in text and "Signed offer letter" in text
        assert f"http://backline.test/portal/requests/{world.a.task_id}#documents" in text
        assert smtp.inbox.to(world.a.other_client_admin.email) == [] and smtp.inbox.to(world.a.staff.email) == []

        clock.move_to(datetime(2027, 3, 4, 10, 0, tzinfo=UTC))  # Thursday: already reminded for this due date
        assert _run_reminders(app, world) == {"reminded": 0}
        with tenant_db(app, world.a.agency_id) as session:
            boss = load_user(session, world.a.client_admin)
            task = session.scalar(select(Task).where(Task.id == world.a.task_id))
            item = session.scalar(select(DocumentRequestItem).where(DocumentRequestItem.id == statements))
            documents.upload(task, item, boss, io.BytesIO(PDF), "october.pdf", "application/pdf")
        drain(app)

        clock.move_to(datetime(2027, 3, 5, 7, 0, tzinfo=UTC))  # Friday, the due date
        assert _run_reminders(app, world) == {"reminded": 1}
        assert _subjects(smtp, world.a.client_admin)[-1] == f"Due today: 1 document for {reference}"
        clock.move_to(datetime(2027, 3, 5, 16, 0, tzinfo=UTC))
        assert _run_reminders(app, world) == {"reminded": 0}  # at most one a day

        clock.move_to(datetime(2027, 3, 6, 9, 0, tzinfo=UTC))  # Saturday: overdue, and said so every day
        assert _run_reminders(app, world) == {"reminded": 1}
        overdue = _subjects(smtp, world.a.client_admin)[-1]
        assert overdue == f"Overdue: 1 document for {reference}, due 5 Mar 2027"
        text = smtp.inbox.to(world.a.client_admin.email)[-1].get_body(preferencelist=("plain",)).get_content()
        assert "Signed offer letter" in text and "October bank statements" not in text  # only what is still owed

        # Everything sent and accepted: the request closes and the reminders stop.
        with tenant_db(app, world.a.agency_id) as session:
            boss = load_user(session, world.a.client_admin)
            staff = load_user(session, world.a.staff)
            task = session.scalar(select(Task).where(Task.id == world.a.task_id))
            items = {i.id: i for i in session.scalars(select(DocumentRequestItem).where(DocumentRequestItem.request_id == request_id))}
            documents.upload(task, items[letter], boss, io.BytesIO(PDF), "offer.pdf", "application/pdf")
            documents.accept(task, items[statements], staff)
            documents.accept(task, items[letter], staff)
        drain(app)
        sent = len(smtp.inbox.messages)
        clock.move_to(datetime(2027, 3, 8, 9, 0, tzinfo=UTC))
        assert _run_reminders(app, world) == {"reminded": 0}
        assert len(smtp.inbox.messages) == sent
        with tenant_db(app, world.a.agency_id) as session:
            assert session.scalar(select(DocumentRequest.status).where(DocumentRequest.id == request_id)) == "closed"


def test_a_rejected_document_brings_an_email_that_says_which_and_why(app, world, smtp):
    _, (statements, _) = _ask(app, world)
    with tenant_db(app, world.a.agency_id) as session:
        boss = load_user(session, world.a.client_admin)
        staff = load_user(session, world.a.staff)
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        item = session.scalar(select(DocumentRequestItem).where(DocumentRequestItem.id == statements))
        documents.upload(task, item, boss, io.BytesIO(PDF), "october.pdf", "application/pdf")
        documents.reject(task, item, staff, "Page 2 is missing.")
    drain(app)
    message = smtp.inbox.to(world.a.client_member.email)[-1]
    assert message["Subject"].startswith("Please send “October bank statements” again")
    assert "Page 2 is missing." in message.get_body(preferencelist=("plain",)).get_content()
    # The staff who watch the task heard of the upload.
    [upload_email] = [m for m in smtp.inbox.to(world.a.staff.email) if "sent “October bank statements”" in m["Subject"]]
    text = upload_email.get_body(preferencelist=("plain",)).get_content()
    assert "A client uploaded a document you asked for." in text and f"http://backline.test/tasks/{world.a.task_id}#documents" in text


def test_the_reminder_job_is_scheduled():
    from worker.schedule import PERIODIC

    assert ("document-reminders", 3600, "worker.jobs.documents.remind_document_requests") in PERIODIC
