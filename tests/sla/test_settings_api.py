"""The SLA settings JSON API: calendars, versioned policies, rules and client holidays; who may read and write them."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.sla.models import ClientHoliday, SlaCalendar, SlaPolicy, SlaPolicyVersion, SlaRule
from app.work.models import Task
from tests.support.web import assert_error, tenant_db

LUNCH = {"mon": [["09:00", "12:30"], ["13:30", "17:30"]], "fri": [["09:00", "15:00"]]}
TARGETS = {"urgent": {"first_response": 30, "resolution": 240}, "normal": {"first_response": None, "resolution": 960}}


@pytest.fixture
def admin(world, as_user):
    return as_user(world.a.agency_admin)


def _count(app, world, model, *where) -> int:
    with tenant_db(app, world.a.agency_id) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def create_calendar(client, **body):
    response = client.post("/api/v1/sla/calendars", json={"name": "London office", "timezone": "Europe/London", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def create_policy(client, calendar_id, **body):
    response = client.post("/api/v1/sla/policies", json={"name": "Premium", "calendar_id": str(calendar_id), "targets": TARGETS, **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- calendars ---------------------------------------------------------------------------------


def test_admin_creates_reads_edits_archives_and_restores_a_calendar(admin):
    calendar = create_calendar(admin, hours=LUNCH, holidays=["2026-12-31", "2026-12-24"], country="gb", subdivision="ENG")
    assert (calendar["hours"], calendar["holidays"]) == (LUNCH, ["2026-12-24", "2026-12-31"])
    assert (calendar["country"], calendar["subdivision"], calendar["archived"]) == ("GB", "ENG", False)
    assert admin.get(f"/api/v1/sla/calendars/{calendar['id']}").get_json() == calendar

    edited = admin.patch(f"/api/v1/sla/calendars/{calendar['id']}", json={"hours": "24x7", "subdivision": None})
    assert edited.status_code == 200
    assert (edited.get_json()["hours"], edited.get_json()["subdivision"], edited.get_json()["country"]) == ("24x7", None, "GB")

    assert admin.post(f"/api/v1/sla/calendars/{calendar['id']}/archive").get_json()["archived"] is True
    active = [item["name"] for item in admin.get("/api/v1/sla/calendars").get_json()["items"]]
    archived = [item["name"] for item in admin.get("/api/v1/sla/calendars?status=archived").get_json()["items"]]
    assert (active, archived) == (["A office"], ["London office"])
    assert admin.post(f"/api/v1/sla/calendars/{calendar['id']}/restore").get_json()["archived"] is False


def test_calendars_are_listed_by_name_with_keyset_pages(admin):
    for name in ("B", "C", "D"):
        create_calendar(admin, name=f"{name} calendar")
    first = admin.get("/api/v1/sla/calendars?limit=2").get_json()
    assert [item["name"] for item in first["items"]] == ["A office", "B calendar"]
    second = admin.get(f"/api/v1/sla/calendars?limit=2&cursor={first['next_cursor']}").get_json()
    assert [item["name"] for item in second["items"]] == ["C calendar", "D calendar"] and second["next_cursor"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "America"}, "timezone"),
        ({"hours": {"tue": [["17:00", "09:00"]]}}, "hours"),
        ({"hours": {"funday": [["09:00", "17:00"]]}}, "hours"),
        ({"hours": "always"}, "hours"),
        ({"hours": 42}, "hours"),
        ({"hours": {}}, "hours"),
        ({"holidays": ["Christmas"]}, "holidays"),
        ({"country": "ZZ"}, "country"),
        ({"subdivision": "ENG"}, "subdivision"),
        ({"country": "GB", "subdivision": "XYZ"}, "subdivision"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_bad_calendar_gets_422_naming_the_field_and_nothing_is_written(app, admin, world, body, field):
    error = assert_error(admin.post("/api/v1/sla/calendars", json={"name": "Bad", "timezone": "UTC", **body}), 422)
    assert field in error["fields"], error
    assert _count(app, world, SlaCalendar) == 1


def test_a_calendar_edit_is_checked_against_its_current_values(app, admin, world):
    error = assert_error(admin.patch(f"/api/v1/sla/calendars/{world.a.calendar_id}", json={"subdivision": "ENG"}), 422)
    assert "subdivision" in error["fields"]
    conflict = admin.post("/api/v1/sla/calendars", json={"name": "a OFFICE", "timezone": "UTC"})
    assert assert_error(conflict, 409, "conflict")["fields"] == {"name": ["Already in use."]}
    create_calendar(admin)
    renamed = admin.patch(f"/api/v1/sla/calendars/{world.a.calendar_id}", json={"name": "London OFFICE"})
    assert_error(renamed, 409, "conflict")
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(SlaCalendar.name).where(SlaCalendar.id == world.a.calendar_id)) == "A office"


def test_a_calendar_in_use_cannot_be_archived(admin, world):
    assert_error(admin.post(f"/api/v1/sla/calendars/{world.a.calendar_id}/archive"), 409, "conflict")


# --- policies ----------------------------------------------------------------------------------


def test_admin_creates_a_policy_and_edits_make_versions(app, admin, world):
    policy = create_policy(admin, world.a.calendar_id, description="Fast lane", at_risk_percent=80)
    assert (policy["current_version"], policy["at_risk_percent"], policy["calendar_id"]) == (1, 80, str(world.a.calendar_id))
    assert policy["targets"] == {"urgent": {"first_response": 30, "resolution": 240}, "normal": {"resolution": 960}}
    assert [v["version"] for v in policy["versions"]] == [1] and policy["rules"] == []
    assert policy["versions"][0]["created_by_id"] == str(world.a.agency_admin.id)

    renamed = admin.patch(f"/api/v1/sla/policies/{policy['id']}", json={"name": "Premium plus", "description": None}).get_json()
    assert (renamed["name"], renamed["description"], renamed["current_version"]) == ("Premium plus", None, 1)

    calendar = create_calendar(admin)
    changed = admin.patch(f"/api/v1/sla/policies/{policy['id']}", json={"calendar_id": calendar["id"], "at_risk_percent": 50}).get_json()
    assert (changed["current_version"], changed["calendar_id"], changed["at_risk_percent"]) == (2, calendar["id"], 50)
    assert [(v["version"], v["calendar_id"]) for v in changed["versions"]] == [(2, calendar["id"]), (1, str(world.a.calendar_id))]
    assert changed["targets"] == policy["targets"]

    listing = admin.get("/api/v1/sla/policies").get_json()["items"]
    assert [(item["name"], item["current_version"]) for item in listing] == [("A standard", 1), ("Premium plus", 2)]
    assert "versions" not in listing[0]

    assert admin.post(f"/api/v1/sla/policies/{policy['id']}/archive").get_json()["archived"] is True
    assert [item["name"] for item in admin.get("/api/v1/sla/policies").get_json()["items"]] == ["A standard"]
    assert admin.post(f"/api/v1/sla/policies/{policy['id']}/restore").get_json()["archived"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"targets": {}}, "targets"),
        ({"targets": {"someday": {"resolution": 60}}}, "targets"),
        ({"targets": {"high": {"resolution": 0}}}, "targets"),
        ({"targets": {"high": {"resolution": 1.5}}}, "targets"),
        ({"targets": {"high": {"eventually": 60}}}, "targets"),
        ({"at_risk_percent": 100}, "at_risk_percent"),
        ({"calendar_id": "00000000-0000-7000-8000-000000000000"}, "calendar_id"),
        ({"name": "a standard"}, "name"),
        ({"version": 3}, "version"),
    ],
)
def test_a_bad_policy_is_refused_and_nothing_written(app, admin, world, body, field):
    response = admin.post("/api/v1/sla/policies", json={"name": "Premium", "calendar_id": str(world.a.calendar_id), "targets": TARGETS, **body})
    error = assert_error(response, 409 if field == "name" else 422)
    assert field in error["fields"], error
    assert _count(app, world, SlaPolicy) == 1 and _count(app, world, SlaPolicyVersion) == 1


def test_another_agencys_calendar_cannot_be_used(app, admin, world):
    error = assert_error(admin.post("/api/v1/sla/policies", json={"name": "P", "calendar_id": str(world.b.calendar_id), "targets": TARGETS}), 422)
    assert "calendar_id" in error["fields"]
    error = assert_error(admin.patch(f"/api/v1/sla/policies/{world.a.policy_id}", json={"calendar_id": str(world.b.calendar_id)}), 422)
    assert _count(app, world, SlaPolicyVersion) == 1


def test_tasks_keep_the_version_they_started_with(app, admin, world):
    policy = create_policy(admin, world.a.calendar_id)
    assert admin.post("/api/v1/sla/rules", json={"policy_id": policy["id"]}).status_code == 201
    task_body = {"client_id": str(world.a.client_id), "task_type_id": str(world.a.task_type_id), "title": "Close", "priority": "urgent"}
    first = admin.post("/api/v1/tasks", json=task_body)
    assert first.status_code == 201, first.get_json()
    changed = admin.patch(f"/api/v1/sla/policies/{policy['id']}", json={"targets": {"urgent": {"first_response": 15, "resolution": 120}}})
    version_one, version_two = changed.get_json()["versions"][1], changed.get_json()["versions"][0]
    second = admin.post("/api/v1/tasks", json={**task_body, "title": "Close again"})
    with tenant_db(app, world.a.agency_id) as session:
        versions = dict(
            session.execute(
                select(Task.id, Task.sla_policy_version_id).where(
                    Task.id.in_([uuid.UUID(first.get_json()["id"]), uuid.UUID(second.get_json()["id"])])
                )
            ).all()
        )
    assert [str(versions[uuid.UUID(t.get_json()["id"])]) for t in (first, second)] == [version_one["id"], version_two["id"]]


# --- rules -------------------------------------------------------------------------------------


def test_rules_are_listed_set_moved_and_deleted(app, admin, world):
    premium = create_policy(admin, world.a.calendar_id)
    default = admin.post("/api/v1/sla/rules", json={"policy_id": str(world.a.policy_id), "client_id": None})
    assert default.status_code == 201
    assert (default.get_json()["applies_to"], default.get_json()["client_id"]) == ("agency_default", None)
    client_rule = admin.post("/api/v1/sla/rules", json={"policy_id": str(world.a.policy_id), "client_id": str(world.a.client_id)}).get_json()
    type_rule = admin.post("/api/v1/sla/rules", json={"policy_id": premium["id"], "task_type_id": str(world.a.task_type_id)}).get_json()
    assert (client_rule["applies_to"], type_rule["applies_to"]) == ("client", "task_type")

    moved = admin.post("/api/v1/sla/rules", json={"policy_id": premium["id"], "client_id": str(world.a.client_id)}).get_json()
    assert (moved["id"], moved["policy_id"]) == (client_rule["id"], premium["id"])

    listing = admin.get("/api/v1/sla/rules").get_json()
    assert len(listing["items"]) == 4 and listing["next_cursor"] is None
    mine = admin.get(f"/api/v1/sla/rules?policy_id={premium['id']}").get_json()["items"]
    assert sorted(rule["applies_to"] for rule in mine) == ["client", "task_type"]
    detail = admin.get(f"/api/v1/sla/policies/{premium['id']}").get_json()
    assert sorted(rule["applies_to"] for rule in detail["rules"]) == ["client", "task_type"]
    paged = admin.get("/api/v1/sla/rules?limit=3").get_json()
    rest = admin.get(f"/api/v1/sla/rules?limit=3&cursor={paged['next_cursor']}").get_json()
    assert len({rule["id"] for rule in paged["items"] + rest["items"]}) == 4

    assert admin.delete(f"/api/v1/sla/rules/{moved['id']}").status_code == 204
    assert _count(app, world, SlaRule) == 3
    assert_error(admin.delete(f"/api/v1/sla/rules/{moved['id']}"), 404)


@pytest.mark.parametrize("body_key", ["policy_id", "client_id", "task_type_id"])
def test_rules_refuse_other_agencies_ids(app, admin, world, body_key):
    body = {"policy_id": str(world.a.policy_id), body_key: str(getattr(world.b, body_key))}
    error = assert_error(admin.post("/api/v1/sla/rules", json=body), 422)
    assert body_key in error["fields"]
    assert _count(app, world, SlaRule) == 1


def test_an_archived_policy_cannot_be_applied(admin, world):
    admin.post(f"/api/v1/sla/policies/{world.a.policy_id}/archive")
    assert_error(admin.post("/api/v1/sla/rules", json={"policy_id": str(world.a.policy_id)}), 409, "conflict")


# --- client holidays ---------------------------------------------------------------------------


def test_client_holidays_are_listed_added_refused_twice_and_deleted(app, admin, world):
    url = f"/api/v1/sla/clients/{world.a.client_id}/holidays"
    listed = admin.get(url).get_json()
    assert [(h["day"], h["name"]) for h in listed["items"]] == [("2026-12-28", "A Client One shutdown")]
    added = admin.post(url, json={"day": "2027-04-18", "name": "Founders' day"})
    assert added.status_code == 201 and added.get_json()["client_id"] == str(world.a.client_id)
    assert_error(admin.post(url, json={"day": "2027-04-18", "name": "Again"}), 409, "conflict")
    assert "day" in assert_error(admin.post(url, json={"name": "No day"}), 422)["fields"]
    assert "day" in assert_error(admin.post(url, json={"day": "soon", "name": "x"}), 422)["fields"]
    assert "shade" in assert_error(admin.post(url, json={"day": "2027-05-01", "name": "x", "shade": 1}), 422)["fields"]

    first = admin.get(url + "?limit=1").get_json()
    second = admin.get(f"{url}?limit=1&cursor={first['next_cursor']}").get_json()
    assert [h["day"] for h in first["items"] + second["items"]] == ["2026-12-28", "2027-04-18"] and second["next_cursor"] is None
    assert [h["day"] for h in admin.get(url + "?from=2027-01-01").get_json()["items"]] == ["2027-04-18"]
    assert [h["day"] for h in admin.get(url + "?to=2027-01-01").get_json()["items"]] == ["2026-12-28"]
    assert_error(admin.get(url + "?cursor=bm9wZQ"), 422)

    assert admin.delete(f"{url}/{added.get_json()['id']}").status_code == 204
    assert _count(app, world, ClientHoliday, ClientHoliday.client_id == world.a.client_id) == 1


def test_a_holiday_of_another_client_or_agency_is_not_found(app, admin, world):
    assert_error(admin.delete(f"/api/v1/sla/clients/{world.a.client_id}/holidays/{world.a.other_client_holiday_id}"), 404)
    assert_error(admin.get(f"/api/v1/sla/clients/{world.b.client_id}/holidays"), 404)
    assert_error(admin.post(f"/api/v1/sla/clients/{world.b.client_id}/holidays", json={"day": "2027-01-02", "name": "x"}), 404)
    assert _count(app, world, ClientHoliday) == 2


# --- who may -----------------------------------------------------------------------------------


def test_staff_read_settings_but_cannot_change_them(app, world, as_user):
    staff = as_user(world.a.staff)
    assert staff.get("/api/v1/sla/calendars").status_code == 200
    assert [p["name"] for p in staff.get("/api/v1/sla/policies").get_json()["items"]] == ["A standard"]
    assert staff.get(f"/api/v1/sla/policies/{world.a.policy_id}").status_code == 200
    assert staff.get("/api/v1/sla/rules").status_code == 200
    assert staff.get(f"/api/v1/sla/clients/{world.a.client_id}/holidays").status_code == 200
    assert_error(staff.get(f"/api/v1/sla/clients/{world.a.other_client_id}/holidays"), 404)  # a client they do not serve
    assert_error(staff.post("/api/v1/sla/calendars", json={"name": "X", "timezone": "UTC"}), 403)
    assert_error(staff.patch(f"/api/v1/sla/policies/{world.a.policy_id}", json={"name": "X"}), 403)
    assert_error(staff.post("/api/v1/sla/rules", json={"policy_id": str(world.a.policy_id)}), 403)
    assert_error(staff.post(f"/api/v1/sla/clients/{world.a.client_id}/holidays", json={"day": "2027-01-02", "name": "x"}), 403)
    assert _count(app, world, SlaCalendar) == 1 and _count(app, world, SlaRule) == 1


@pytest.mark.parametrize("role", ["client_admin", "client_member"])
def test_client_users_get_nothing(world, as_user, role):
    client = as_user(getattr(world.a, role))
    for url in (
        "/api/v1/sla/calendars",
        "/api/v1/sla/policies",
        f"/api/v1/sla/policies/{world.a.policy_id}",
        "/api/v1/sla/rules",
        f"/api/v1/sla/clients/{world.a.client_id}/holidays",
    ):
        assert_error(client.get(url), 403)
    assert_error(client.post(f"/api/v1/sla/policies/{world.a.policy_id}/archive"), 403)


def test_another_agencys_settings_are_not_found(app, admin, world):
    assert_error(admin.get(f"/api/v1/sla/calendars/{world.b.calendar_id}"), 404)
    assert_error(admin.patch(f"/api/v1/sla/calendars/{world.b.calendar_id}", json={"name": "Mine"}), 404)
    assert_error(admin.get(f"/api/v1/sla/policies/{world.b.policy_id}"), 404)
    assert_error(admin.post(f"/api/v1/sla/policies/{world.b.policy_id}/archive"), 404)
    with tenant_db(app, world.b.agency_id) as session:
        b_rule = session.scalar(select(SlaRule.id))
    assert_error(admin.delete(f"/api/v1/sla/rules/{b_rule}"), 404)
    with tenant_db(app, world.b.agency_id) as session:
        assert session.scalar(select(SlaCalendar.name).where(SlaCalendar.id == world.b.calendar_id)) == "B office"
        assert session.scalar(select(SlaPolicy.archived_at).where(SlaPolicy.id == world.b.policy_id)) is None
        assert session.scalar(select(func.count()).select_from(SlaRule)) == 1
    names = [item["name"] for item in admin.get("/api/v1/sla/calendars?status=all").get_json()["items"]]
    assert names == ["A office"]
