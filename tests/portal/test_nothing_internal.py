"""Every page and API response a client user can open, read for the test world's internal values.

Routes come from the URL map and ids from the world (its own company's rows), so a new GET route is read here
without editing this file. The world keeps an internal note (INTERNAL-NOTE) and a time entry (INTERNAL-TIME) on each
task; neither, nor a staff-only field of the portal API, may reach a client user.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.support.web import bearer

MARKERS = ("INTERNAL-NOTE", "INTERNAL-TIME")
# Keys of the staff API that the portal's schemas leave out.
STAFF_ONLY_KEYS = {
    "assignee_id",
    "queue_id",
    "minutes",
    "billable",
    "time_entries",
    "client_visible",
    "storage_key",
    "uploaded_by_id",
    "reviewed_by_id",
    "requested_by_id",
    "last_reminded_at",
    "sha256",
}
PORTAL = ("/portal", "/api/v1/portal")


def _keys(value) -> set:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _get_routes(app, world):
    """(path, is_portal) for every GET route whose ids the world can fill with its first company's rows."""
    ids = {**vars(world.a), "user_id": world.a.client_member.id}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in {"static", "bootstrap.static"}:
            continue
        params = {}
        for name in rule.arguments:
            value = ids.get(name)
            if value is None:
                break
            params[name] = value
        else:
            yield rule.rule, rule.build(params, append_unknown=False)[1], rule.rule.startswith(PORTAL)


@pytest.mark.parametrize("role", ["client_admin", "client_member"])
def test_no_page_or_api_response_shows_a_client_user_anything_internal(app, world, as_user, client, role):
    person = getattr(world.a, role)
    pages, headers = as_user(person), bearer(app, person)
    opened, portal_rules, portal_opened = 0, set(), set()
    for rule, path, is_portal in _get_routes(app, world):
        api = path.startswith("/api/")
        response = client.get(path, headers=headers) if api else pages.get(path)
        assert response.status_code < 500, (path, response.status_code)
        if is_portal:
            portal_rules.add(rule)
        if response.status_code != 200:
            continue
        opened += 1
        portal_opened.add(rule) if is_portal else None
        text = response.get_data(as_text=True)
        assert not any(marker in text for marker in MARKERS), (role, path)
        if api and is_portal and response.is_json:
            leaked = _keys(response.get_json()) & STAFF_ONLY_KEYS
            assert not leaked, (path, leaked)
    # The file download needs a client-visible file and People is for client admins; every other portal GET route opened.
    unopened = {"/portal/requests/<uuid:task_id>/files/<uuid:attachment_id>"} | ({"/portal/people"} if role == "client_member" else set())
    assert portal_rules - portal_opened <= unopened, portal_rules - portal_opened
    assert opened >= 20


def test_the_portal_api_request_detail_carries_documents_and_approvals_without_staff_fields(app, world, client):
    headers = bearer(app, world.a.client_admin)
    detail = client.get(f"/api/v1/portal/requests/{world.a.task_id}", headers=headers).get_json()
    [asked] = detail["document_requests"]
    assert [item["name"] for item in asked["items"]] == ["October bank statement"]
    assert detail["approvals"] and not (_keys(detail) & STAFF_ONLY_KEYS)
    assert "INTERNAL" not in json.dumps(detail)


def _portal_texts(app, world, as_user, client):
    """Every portal page and portal API response a client admin opens, as text."""
    person = world.a.client_admin
    pages, headers = as_user(person), bearer(app, person)
    for _rule, path, is_portal in _get_routes(app, world):
        if is_portal:
            response = client.get(path, headers=headers) if path.startswith("/api/") else pages.get(path)
            if response.status_code == 200:
                yield path, response.get_data(as_text=True)


def test_the_handlers_name_is_an_agency_setting(app, world, as_user, client):
    staff_name = world.a.staff.name
    detail = as_user(world.a.client_admin).get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True)
    assert f"<dt>Handled by</dt><dd>{staff_name}</dd>" in detail  # the default: clients see who handles their request
    admin = as_user(world.a.agency_admin)
    box = re.search(r'<input[^>]*name="show_handler"[^>]*>', admin.get("/admin/branding").get_data(as_text=True))
    assert box and "checked" in box.group(0)
    assert admin.post("/admin/branding", data={"display_name": "Agency A"}).status_code == 302  # the box left unticked
    opened = 0
    for path, text in _portal_texts(app, world, as_user, client):
        opened += 1
        for name in (staff_name, world.a.agency_admin.name, world.a.idle_staff.name):
            assert name not in text, (path, name)
    assert opened >= 5
    detail = as_user(world.a.client_admin).get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True)
    assert "<dt>Handled by</dt><dd>Agency A</dd>" in detail
    shared = client.get(f"/api/v1/portal/requests/{world.a.task_id}", headers=bearer(app, world.a.client_admin)).get_json()
    assert {comment["author_name"] for comment in shared["comments"]} == {"Agency A"}
