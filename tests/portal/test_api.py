"""The portal API for client users' tokens: portal schemas only, their own company's requests only."""

from __future__ import annotations

import json

from tests.support.web import assert_error, bearer


def test_a_client_token_lists_reads_and_creates_requests(app, world, client):
    headers = bearer(app, world.a.client_member)
    listed = client.get("/api/v1/portal/requests?state=all", headers=headers)
    assert listed.status_code == 200
    assert [i["id"] for i in listed.get_json()["items"]] == [str(world.a.task_id)]
    created = client.post(
        "/api/v1/portal/requests", headers=headers, json={"task_type_id": str(world.a.task_type_id), "title": "Payslips for new starters"}
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "new" and body["can_cancel"] and body["comments"] == []
    said = client.post(f"/api/v1/portal/requests/{body['id']}/comments", headers=headers, json={"body": "Two people start Monday."})
    assert said.status_code == 201 and said.get_json()["mine"] is True
    cancelled = client.post(f"/api/v1/portal/requests/{body['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"


def test_responses_carry_nothing_internal(app, world, client):
    headers = bearer(app, world.a.client_admin)
    for path in ("/api/v1/portal/requests?state=all", f"/api/v1/portal/requests/{world.a.task_id}"):
        text = json.dumps(client.get(path, headers=headers).get_json())
        assert "INTERNAL-NOTE" not in text and "INTERNAL-TIME" not in text
        assert "assignee_id" not in text and "queue_id" not in text and "minutes" not in text
    detail = client.get(f"/api/v1/portal/requests/{world.a.task_id}", headers=headers).get_json()
    assert [c["body"] for c in detail["comments"]] == ["Client-visible note a"]


def test_other_clients_and_agencies_are_not_found_and_staff_are_refused(app, world, client):
    headers = bearer(app, world.a.client_admin)
    for task_id in (world.a.other_task_id, world.b.task_id):
        assert_error(client.get(f"/api/v1/portal/requests/{task_id}", headers=headers), 404)
        assert_error(client.post(f"/api/v1/portal/requests/{task_id}/comments", headers=headers, json={"body": "x"}), 404)
    refused = client.post("/api/v1/portal/requests", headers=headers, json={"task_type_id": str(world.b.task_type_id), "title": "x"})
    assert_error(refused, 404)
    assert_error(client.get("/api/v1/portal/requests", headers=bearer(app, world.a.staff)), 403)
