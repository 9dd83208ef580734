"""Attachments: size and type limits, storage outside the web root, downloads behind the access check, deleting."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.work.models import Attachment
from tests.support.web import assert_error, tenant_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def upload(client, task_id, data=PDF, filename="statement.pdf", content_type="application/pdf", api=True, **form):
    url = f"/api/v1/tasks/{task_id}/attachments" if api else f"/tasks/{task_id}/attachments"
    return client.post(url, data={"file": (io.BytesIO(data), filename, content_type), **form}, content_type="multipart/form-data")


def stored_path(app, world, attachment_id) -> Path:
    with tenant_db(app, world.a.agency_id) as session:
        row = session.scalar(select(Attachment).where(Attachment.id == uuid.UUID(str(attachment_id))))
        return Path(app.config["UPLOAD_DIR"]) / row.storage_key


def test_upload_and_download(app, world, as_user):
    staff = as_user(world.a.staff)
    response = upload(staff, world.a.task_id, filename="../../March statement.pdf")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["filename"] == "March statement.pdf" and body["size_bytes"] == len(PDF)
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest() and body["client_visible"] is False
    path = stored_path(app, world, body["id"])
    assert path.read_bytes() == PDF
    static = Path(app.static_folder).resolve()
    assert static not in path.resolve().parents and "March" not in path.name  # outside the web root, a random key
    for url in (f"/api/v1/tasks/{world.a.task_id}/attachments/{body['id']}", f"/tasks/{world.a.task_id}/attachments/{body['id']}"):
        download = staff.get(url)
        assert download.status_code == 200
        assert download.data == PDF
        assert download.headers["Content-Type"] == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert "March statement.pdf" in download.headers["Content-Disposition"]
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        download.close()
    listed = staff.get(f"/api/v1/tasks/{world.a.task_id}/attachments").get_json()["items"]
    assert body["id"] in [item["id"] for item in listed]


def _stored_files(app) -> set:
    uploads = Path(app.config["UPLOAD_DIR"])
    return {p for p in uploads.rglob("*") if p.is_file()} if uploads.exists() else set()


def test_too_large_is_refused_and_nothing_is_kept(app, world, as_user):
    before = _stored_files(app)
    app.config["MAX_ATTACHMENT_BYTES"] = 1024
    try:
        response = upload(as_user(world.a.staff), world.a.task_id, data=PDF + b"0" * 2048)
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = 20 * 1024 * 1024
    error = assert_error(response, 413, "too_large")
    assert "file" in error["fields"]
    assert _stored_files(app) == before


def test_beyond_the_request_limit_is_413(app, world, as_user):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        response = upload(as_user(world.a.staff), world.a.task_id, data=PDF + b"0" * 4096)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024
    assert response.status_code == 413


@pytest.mark.parametrize(
    "data, filename, content_type",
    [
        (b"MZ\x90\x00", "tool.exe", "application/octet-stream"),
        (b"<script>alert(1)</script>", "page.html", "text/html"),
        (PDF, "statement.pdf", "text/html"),  # the declared type does not match the extension
        (b"not really a pdf", "statement.pdf", "application/pdf"),  # the content does not match the extension
        (b"", "empty.txt", "text/plain"),
        (PDF, "noextension", "application/pdf"),
    ],
)
def test_wrong_types_are_422(app, world, as_user, data, filename, content_type):
    before = _stored_files(app)
    error = assert_error(upload(as_user(world.a.staff), world.a.task_id, data, filename, content_type), 422, "validation_failed")
    assert "file" in error["fields"]
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(func.count(Attachment.id)).where(Attachment.task_id == world.a.task_id)) == 1  # the world's own
    assert _stored_files(app) == before  # a file stored before a refusal is removed with the rollback


@pytest.mark.parametrize(
    "data, filename, content_type",
    [
        (b"\x89PNG\r\n\x1a\n....", "scan.png", "image/png"),
        (b"date,amount\n2030-01-01,12.50\n", "bank.csv", "text/csv"),
        (b"PK\x03\x04rest", "payroll.xlsx", "application/octet-stream"),
        (b"plain notes", "notes.txt", "text/plain"),
    ],
)
def test_allowed_types_are_kept(world, as_user, data, filename, content_type):
    response = upload(as_user(world.a.staff), world.a.task_id, data, filename, content_type)
    assert response.status_code == 201, response.get_json()


def test_missing_file_is_422(world, as_user):
    response = as_user(world.a.staff).post(f"/api/v1/tasks/{world.a.task_id}/attachments", data={}, content_type="multipart/form-data")
    assert_error(response, 422)


def test_foreign_and_mismatched_ids_are_404(app, world, as_user):
    staff = as_user(world.a.staff)
    mine = upload(staff, world.a.task_id).get_json()["id"]
    assert_error(staff.get(f"/api/v1/tasks/{world.a.task_id}/attachments/{world.b.attachment_id}"), 404)
    # an attachment of another task, through this task's URL
    assert_error(as_user(world.a.agency_admin).get(f"/api/v1/tasks/{world.a.other_task_id}/attachments/{mine}"), 404)
    assert as_user(world.a.idle_staff).get(f"/tasks/{world.a.task_id}/attachments/{mine}").status_code == 404
    assert as_user(world.a.client_admin).get(f"/tasks/{world.a.task_id}/attachments/{mine}").status_code == 403
    assert as_user(world.a.client_admin).get(f"/api/v1/tasks/{world.a.task_id}/attachments/{mine}").status_code == 403


def test_a_row_without_its_file_is_404_not_500(world, as_user):
    response = as_user(world.a.staff).get(f"/api/v1/tasks/{world.a.task_id}/attachments/{world.a.attachment_id}")
    assert_error(response, 404)


def test_delete_own_only_and_the_file_goes_after_commit(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    theirs = upload(admin, world.a.task_id).get_json()["id"]
    staff = as_user(world.a.staff)
    assert_error(staff.delete(f"/api/v1/tasks/{world.a.task_id}/attachments/{theirs}"), 403)
    mine = upload(staff, world.a.task_id).get_json()["id"]
    path = stored_path(app, world, mine)
    assert staff.delete(f"/api/v1/tasks/{world.a.task_id}/attachments/{mine}").status_code == 204
    assert not path.exists()
    assert_error(staff.get(f"/api/v1/tasks/{world.a.task_id}/attachments/{mine}"), 404)


def test_page_upload_and_refusal(world, as_user):
    staff = as_user(world.a.staff)
    assert upload(staff, world.a.task_id, api=False).status_code == 302
    refused = upload(staff, world.a.task_id, b"MZ", "tool.exe", "application/octet-stream", api=False)
    assert refused.status_code == 422
    assert "cannot be attached" in refused.get_data(as_text=True)
