"""/api/v1/notifications: the caller's own list (unread filter, keyset), marking read, and preferences."""

from __future__ import annotations

from app.core.types import utcnow
from tests.notifications.conftest import notes_of
from tests.notifications.test_pages import _add
from tests.support.web import assert_error, bearer


def test_list_with_unread_filter_and_keyset_pages(app, world, as_user):
    _add(app, world.a.staff, count=4)
    _add(app, world.a.staff, title="Already read", read_at=utcnow())  # same created_at as Note 000: the id breaks the tie
    staff = as_user(world.a.staff)
    first = staff.get("/api/v1/notifications?limit=2").get_json()
    assert [i["title"] for i in first["items"]] == ["Something happened", "Note 003"]  # the world's is the newest
    assert first["unread_count"] == 5 and first["next_cursor"]
    titles = [i["title"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = staff.get(f"/api/v1/notifications?limit=2&cursor={cursor}").get_json()
        titles += [i["title"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert titles == ["Something happened", "Note 003", "Note 002", "Note 001", "Already read", "Note 000"]
    unread = staff.get("/api/v1/notifications?unread=true&limit=50").get_json()
    assert "Already read" not in [i["title"] for i in unread["items"]] and len(unread["items"]) == 5
    item = unread["items"][0]
    assert set(item) == {"id", "kind", "title", "body", "url", "task_id", "task_reference", "client_name", "read", "read_at", "created_at"}
    assert item["read"] is False


def test_bad_query_parameters_are_422(app, world, as_user):
    staff = as_user(world.a.staff)
    assert_error(staff.get("/api/v1/notifications?cursor=garbage"), 422, "validation_failed")
    assert_error(staff.get("/api/v1/notifications?kind=birthday"), 422, "validation_failed")
    assert_error(staff.get("/api/v1/notifications?limit=0"), 422, "validation_failed")


def test_mark_one_read_and_all_read(app, world, as_user):
    ids = _add(app, world.a.staff, count=2)
    staff = as_user(world.a.staff)
    body = staff.post(f"/api/v1/notifications/{ids[0]}/read").get_json()
    assert body["id"] == str(ids[0]) and body["read"] is True and body["read_at"]
    again = staff.post(f"/api/v1/notifications/{ids[0]}/read").get_json()
    assert again["read_at"] == body["read_at"]  # marking twice keeps the first time
    done = staff.post("/api/v1/notifications/read-all").get_json()
    assert done == {"marked_read": 2, "unread_count": 0}
    assert staff.get("/api/v1/notifications?unread=true").get_json()["items"] == []


def test_another_users_notification_is_404_even_in_the_same_agency(app, world, as_user):
    [admins] = _add(app, world.a.agency_admin)
    for ref in (world.a.staff, world.a.client_admin, world.a.client_member, world.b.agency_admin):
        assert_error(as_user(ref).post(f"/api/v1/notifications/{admins}/read"), 404, "not_found")
    assert [n.read_at for n in notes_of(app, world.a.agency_admin)] == [None]
    staff_items = as_user(world.a.staff).get("/api/v1/notifications").get_json()["items"]
    assert str(admins) not in [i["id"] for i in staff_items]


def test_bearer_tokens_work_and_anonymous_callers_get_401(app, world, client):
    headers = bearer(app, world.a.staff)
    assert client.get("/api/v1/notifications", headers=headers).status_code == 200
    assert client.post("/api/v1/notifications/read-all", headers=headers).get_json()["marked_read"] == 1
    assert_error(client.get("/api/v1/notifications"), 401, "unauthorized")
    assert_error(client.get("/api/v1/notifications/preferences"), 401, "unauthorized")


def test_preferences_get_and_put(app, world, as_user):
    staff = as_user(world.a.staff)
    prefs = staff.get("/api/v1/notifications/preferences").get_json()
    assert set(prefs) == {
        "assigned",
        "mentioned",
        "client_commented",
        "status_changed",
        "sla_at_risk",
        "sla_breached",
        "document_uploaded",
        "approval_decided",
    }
    assert prefs["status_changed"] == {
        "label": "Status changes",
        "description": prefs["status_changed"]["description"],
        "in_app": True,
        "email": False,
    }
    assert prefs["assigned"]["in_app"] and prefs["assigned"]["email"]
    response = staff.put("/api/v1/notifications/preferences", json={"mentioned": {"in_app": False, "email": True}})
    assert response.status_code == 200
    after = response.get_json()
    assert (after["mentioned"]["in_app"], after["mentioned"]["email"]) == (False, True)
    assert after["status_changed"]["email"] is False  # kinds left out keep their setting
    assert staff.get("/api/v1/notifications/preferences").get_json() == after


def test_preferences_refuse_unknown_or_incomplete_input(app, world, as_user):
    staff = as_user(world.a.staff)
    error = assert_error(staff.put("/api/v1/notifications/preferences", json={"birthday": {"in_app": True, "email": True}}), 422)
    assert "birthday" in error["fields"]
    assert_error(staff.put("/api/v1/notifications/preferences", json={"assigned": {"in_app": True}}), 422)
    assert_error(staff.put("/api/v1/notifications/preferences", json={"assigned": {"in_app": True, "email": True, "sms": True}}), 422)
    assert_error(staff.put("/api/v1/notifications/preferences", json={"assigned": {"in_app": "maybe", "email": True}}), 422)


def test_client_users_use_their_own_notifications_through_the_api(app, world, as_user):
    boss = as_user(world.a.client_admin)
    items = boss.get("/api/v1/notifications").get_json()["items"]
    assert [i["title"] for i in items] == ["Something happened"]
    assert boss.post(f"/api/v1/notifications/{items[0]['id']}/read").status_code == 200
    assert_error(boss.post(f"/api/v1/notifications/{world.a.notification_id}/read"), 404)  # the staff member's
    response = boss.put("/api/v1/notifications/preferences", json={"agency_commented": {"in_app": False, "email": False}})
    assert response.status_code == 200 and response.get_json()["agency_commented"]["email"] is False
    assert set(response.get_json()) == {"status_changed", "agency_commented", "document_requested", "approval_requested"}  # a client user's kinds
    error = assert_error(boss.put("/api/v1/notifications/preferences", json={"assigned": {"in_app": False, "email": False}}), 422)
    assert "assigned" in error["fields"]


def test_the_endpoints_are_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get"} <= set(paths["/api/v1/notifications"])
    assert {"post"} <= set(paths["/api/v1/notifications/{notification_id}/read"])
    assert {"post"} <= set(paths["/api/v1/notifications/read-all"])
    assert {"get", "put"} <= set(paths["/api/v1/notifications/preferences"])
