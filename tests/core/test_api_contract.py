"""Requests the OpenAPI document calls invalid are refused, as it says (found by schemathesis)."""

from __future__ import annotations

import io

from tests.support.web import assert_error


def test_a_patch_without_a_body_is_refused_and_changes_nothing(world, as_user):
    admin = as_user(world.a.agency_admin)
    before = admin.get(f"/api/v1/queues/{world.a.queue_id}").get_json()

    error = assert_error(admin.patch(f"/api/v1/queues/{world.a.queue_id}"), 422, "validation_failed")
    assert "_body" in error["fields"]
    assert_error(admin.patch(f"/api/v1/queues/{world.a.queue_id}", data="name=x", content_type="text/plain"), 422)
    assert admin.patch(f"/api/v1/queues/{world.a.queue_id}", json={}).status_code == 200  # an empty change is valid

    assert admin.get(f"/api/v1/queues/{world.a.queue_id}").get_json() == before


def test_claim_next_needs_no_body(world, as_user):
    assert as_user(world.a.staff).post("/api/v1/tasks/claim-next").status_code == 200


def test_an_upload_without_its_file_part_is_refused(world, as_user):
    admin = as_user(world.a.agency_admin)
    url = f"/api/v1/tasks/{world.a.task_id}/attachments"
    error = assert_error(admin.post(url, data={"client_visible": "true"}, content_type="multipart/form-data"), 422)
    assert "file" in error["fields"]
    assert_error(admin.post(url, json={"file": "x"}), 422)
    created = admin.post(url, data={"file": (io.BytesIO(b"a,b\n"), "a.csv"), "client_visible": "true"})
    assert created.status_code == 201 and created.get_json()["client_visible"] is True


def test_an_idempotency_key_outside_the_documented_form_is_refused(world, as_user):
    admin = as_user(world.a.agency_admin)
    body = {"name": "Night shift"}
    for key in ("", " padded ", "x" * 256, "naïve"):
        assert_error(admin.post("/api/v1/queues", json=body, headers={"Idempotency-Key": key}), 400, "bad_idempotency_key")
    assert admin.post("/api/v1/queues", json=body, headers={"Idempotency-Key": "ok-1"}).status_code == 201
