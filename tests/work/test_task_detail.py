"""One task through the API and its page: reading, editing, assignment, checklist, watchers and the activity of each change."""

from __future__ import annotations

from sqlalchemy import select

from app.notifications.models import Notification
from tests.support.web import assert_error, tenant_db


def kinds(client, task_id) -> list[str]:
    return [row["kind"] for row in client.get(f"/api/v1/tasks/{task_id}/activity?limit=200").get_json()["items"]]


def test_reach_on_pages_and_api(world, as_user):
    for path in (f"/tasks/{world.a.task_id}", f"/api/v1/tasks/{world.a.task_id}"):
        assert as_user(world.a.agency_admin).get(path).status_code == 200
        assert as_user(world.a.staff).get(path).status_code == 200
        assert as_user(world.a.idle_staff).get(path).status_code == 404
        assert as_user(world.a.client_admin).get(path).status_code == 403
        assert as_user(world.a.client_member).get(path).status_code == 403
        assert as_user(world.a.agency_admin).get(path.replace(str(world.a.task_id), str(world.b.task_id))).status_code == 404
    assert as_user(world.a.staff).get(f"/tasks/{world.a.other_task_id}").status_code == 404


def test_task_page_shows_the_header(world, as_user):
    page = as_user(world.a.staff).get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    for text in (world.a.client_name, "Month-end close", "Bookkeeping queue", "New", "Normal", "A Staff", "Check the numbers"):
        assert text in page


def test_each_change_is_recorded_in_the_activity(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    url = f"/api/v1/tasks/{world.a.task_id}"
    response = admin.patch(
        url, json={"title": "Close March", "priority": "urgent", "due_at": "2030-03-31T17:00:00Z", "custom_values": {"period": "2030-03-31"}}
    )
    assert response.status_code == 200, response.get_json()
    assert admin.post(f"{url}/assign", json={"assignee_id": None}).get_json()["assignee_id"] is None
    assert admin.post(f"{url}/assign", json={"assignee_id": str(world.a.staff.id)}).get_json()["assignee_id"] == str(world.a.staff.id)
    item = admin.post(f"{url}/checklist", json={"title": "Call the bank", "required": True}).get_json()
    admin.patch(f"{url}/checklist/{item['id']}", json={"done": True, "move": "up", "title": "Call the bank today"})
    admin.delete(f"{url}/checklist/{item['id']}")
    admin.post(f"{url}/transitions", json={"status": "in_progress"})
    recorded = kinds(admin, world.a.task_id)
    for kind in (
        "title_changed",
        "priority_changed",
        "due_at_changed",
        "custom_values_changed",
        "unassigned",
        "assigned",
        "checklist_item_added",
        "checklist_item_ticked",
        "checklist_item_renamed",
        "checklist_item_moved",
        "checklist_item_removed",
        "status_changed",
    ):
        assert kind in recorded, kind
    last = admin.get(f"{url}/activity?limit=200").get_json()["items"][-1]
    assert last["actor_id"] == str(world.a.agency_admin.id) and last["data"] == {"old": "new", "new": "in_progress"}
    page = admin.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    assert "Close March" in page and "reassign" not in page and "removed “Call the bank today” from the checklist" in page
    with tenant_db(app, world.a.agency_id) as session:
        told = session.scalars(select(Notification.kind).where(Notification.user_id == world.a.staff.id)).all()
    assert "assigned" in told and "status_changed" in told


def test_assignment_rules(world, as_user):
    url = f"/api/v1/tasks/{world.a.task_id}/assign"
    error = assert_error(as_user(world.a.agency_admin).post(url, json={"assignee_id": str(world.a.idle_staff.id)}), 422)
    assert "assignee_id" in error["fields"]
    assert_error(as_user(world.a.agency_admin).post(url, json={"assignee_id": str(world.a.client_admin.id)}), 422)
    assert_error(as_user(world.a.agency_admin).post(url, json={"assignee_id": str(world.b.staff.id)}), 422)
    staff = as_user(world.a.staff)
    assert staff.post(f"/tasks/{world.a.task_id}/assign", data={"assignee_id": ""}).status_code == 302
    assert staff.post(f"/tasks/{world.a.task_id}/assign", data={"assignee_id": "me"}).status_code == 302
    assert staff.get(f"/api/v1/tasks/{world.a.task_id}").get_json()["assignee_id"] == str(world.a.staff.id)


def test_page_edit_and_custom_values_errors_are_422(world, as_user):
    staff = as_user(world.a.staff)
    assert staff.post(f"/tasks/{world.a.task_id}/edit", data={"title": "", "priority": "high"}).status_code == 422
    bad = staff.post(f"/tasks/{world.a.task_id}/custom-values", data={"cf_period": "soon"})
    assert bad.status_code == 422 and "Not a valid date." in bad.get_data(as_text=True)
    assert staff.post(f"/tasks/{world.a.task_id}/custom-values", data={"cf_period": "2030-01-31"}).status_code == 302
    assert (
        staff.post(
            f"/tasks/{world.a.task_id}/edit",
            data={"title": "Renamed", "priority": "low", "due_at": "2030-01-31T09:30", "description": "Bank and cards"},
        ).status_code
        == 302
    )
    task = staff.get(f"/api/v1/tasks/{world.a.task_id}").get_json()
    assert (task["title"], task["priority"], task["custom_values"]) == ("Renamed", "low", {"period": "2030-01-31"})
    assert task["due_at"].startswith("2030-01-31T09:30:00")


def test_checklist_on_the_page(world, as_user):
    staff = as_user(world.a.staff)
    base = f"/tasks/{world.a.task_id}/checklist"
    assert staff.post(base, data={"title": "Reconcile cards", "required": "1"}).status_code == 302
    items = staff.get(f"/api/v1/tasks/{world.a.task_id}/checklist").get_json()
    assert [i["title"] for i in items] == ["Check the numbers", "Reconcile cards"]
    second = items[1]["id"]
    assert staff.post(f"{base}/{second}", data={"action": "up"}).status_code == 302
    assert staff.post(f"{base}/{second}", data={"action": "tick"}).status_code == 302
    assert staff.post(f"{base}/{second}", data={"action": "edit", "title": ""}).status_code == 422
    items = staff.get(f"/api/v1/tasks/{world.a.task_id}/checklist").get_json()
    assert [(i["title"], i["done"]) for i in items] == [("Reconcile cards", True), ("Check the numbers", False)]
    assert staff.post(f"{base}/{second}", data={"action": "remove"}).status_code == 302
    assert staff.post(f"{base}/{world.b.checklist_item_id}", data={"action": "tick"}).status_code == 404


def test_watch_and_unwatch(world, as_user):
    admin = as_user(world.a.agency_admin)
    url = f"/api/v1/tasks/{world.a.task_id}/watchers"
    assert admin.get(url).get_json()["watching"] is False
    watched = admin.post(url).get_json()
    assert watched["watching"] is True and {w["name"] for w in watched["watchers"]} == {"A Staff", "A Admin"}
    assert admin.delete(url).get_json()["watching"] is False
    assert admin.post(f"/tasks/{world.a.task_id}/watch", data={}).status_code == 302
    assert admin.get(url).get_json()["watching"] is True
