"""The catalog JSON API: service lines, task types and client services; who may read and write them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalog.models import ServiceLine
from app.core.audit import AuditEvent
from tests.support.web import assert_error, tenant_db

ROLES = ("agency_admin", "staff", "client_admin", "client_member")


@pytest.fixture
def admin(world, as_user):
    return as_user(world.a.agency_admin)


def create_line(client, **body):
    response = client.post("/api/v1/service-lines", json={"name": "Payroll", "code": "PR", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def create_type(client, line_id, **body):
    response = client.post("/api/v1/task-types", json={"service_line_id": line_id, "name": "Payroll run", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- service lines ---------------------------------------------------------------------------


def test_admin_creates_reads_edits_archives_and_restores_a_service_line(admin):
    line = create_line(admin, code=" pr ", description="Paying people")
    assert (line["name"], line["code"], line["description"], line["archived"]) == ("Payroll", "PR", "Paying people", False)
    assert admin.get(f"/api/v1/service-lines/{line['id']}").get_json() == line

    edited = admin.patch(f"/api/v1/service-lines/{line['id']}", json={"name": "Payroll & HR", "position": 5})
    assert edited.status_code == 200
    assert (edited.get_json()["name"], edited.get_json()["position"]) == ("Payroll & HR", 5)

    archived = admin.post(f"/api/v1/service-lines/{line['id']}/archive")
    assert archived.get_json()["archived"] is True
    listing = admin.get("/api/v1/service-lines").get_json()["items"]
    assert line["id"] not in [item["id"] for item in listing]
    archived_listing = admin.get("/api/v1/service-lines?status=archived").get_json()["items"]
    assert [item["id"] for item in archived_listing] == [line["id"]]
    assert admin.post(f"/api/v1/service-lines/{line['id']}/restore").get_json()["archived"] is False


def test_service_lines_are_listed_by_position_with_keyset_pages(admin):
    for index, code in enumerate(("AA", "BB", "CC")):
        create_line(admin, name=f"Line {code}", code=code, position=100 + index)
    first = admin.get("/api/v1/service-lines?limit=2").get_json()
    assert [item["code"] for item in first["items"]] == ["BK", "AA"]
    second = admin.get(f"/api/v1/service-lines?limit=2&cursor={first['next_cursor']}").get_json()
    assert [item["code"] for item in second["items"]] == ["BB", "CC"]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "Bookkeeping 2", "code": "BK"}, "code"),
        ({"name": "Bookkeeping", "code": "BKX"}, "name"),
    ],
)
def test_duplicate_code_or_name_is_409(admin, body, field):
    error = assert_error(admin.post("/api/v1/service-lines", json=body), 409, "conflict")
    assert field in error["fields"]


def test_renaming_onto_another_lines_code_is_409(admin):
    line = create_line(admin)
    error = assert_error(admin.patch(f"/api/v1/service-lines/{line['id']}", json={"code": "BK"}), 409)
    assert "code" in error["fields"]


@pytest.mark.parametrize("code", ["B", "B1", "ABCDEFGHI", "B-K"])
def test_bad_codes_are_422(admin, code):
    error = assert_error(admin.post("/api/v1/service-lines", json={"name": "Odd", "code": code}), 422)
    assert "code" in error["fields"]


def test_unknown_fields_are_refused(admin, world):
    assert_error(admin.post("/api/v1/service-lines", json={"name": "X", "code": "XX", "colour": "red"}), 422)
    assert_error(admin.patch(f"/api/v1/task-types/{world.a.task_type_id}", json={"agency_id": str(world.b.agency_id)}), 422)


def test_the_same_code_is_fine_in_another_agency(world, as_user):
    create_line(as_user(world.b.agency_admin), code="PR")
    create_line(as_user(world.a.agency_admin), code="PR")


# --- task types ------------------------------------------------------------------------------


def test_admin_creates_a_task_type_with_checklist_and_custom_fields(admin, world):
    body = create_type(
        admin,
        str(world.a.service_line_id),
        name="Bank reconciliation",
        default_priority="high",
        expected_minutes=90,
        checklist_template=[{"title": " Import statement ", "required": True}, {"title": "Match items"}],
        custom_fields=[
            {"key": "period", "label": "Period", "type": "date", "required": True},
            {"key": "bank", "label": "Bank", "type": "choice", "choices": ["HSBC", "Barclays"]},
        ],
    )
    assert body["default_priority"] == "high" and body["expected_minutes"] == 90
    assert body["checklist_template"] == [{"title": "Import statement", "required": True}, {"title": "Match items", "required": False}]
    assert [f["key"] for f in body["custom_fields"]] == ["period", "bank"]
    assert body["custom_fields"][1]["choices"] == ["HSBC", "Barclays"]
    # Without a default queue given, the service line's queue is used.
    assert body["default_queue_id"] == str(world.a.queue_id)
    assert admin.get(f"/api/v1/task-types/{body['id']}").get_json() == body


def test_task_type_patch_archive_restore_and_filters(admin, world):
    other_line = create_line(admin)
    run = create_type(admin, other_line["id"])
    patched = admin.patch(f"/api/v1/task-types/{run['id']}", json={"expected_minutes": None, "default_priority": "urgent", "checklist_template": []})
    assert patched.status_code == 200, patched.get_json()
    assert (patched.get_json()["expected_minutes"], patched.get_json()["default_priority"]) == (None, "urgent")

    of_line = admin.get(f"/api/v1/task-types?service_line_id={other_line['id']}").get_json()["items"]
    assert [item["name"] for item in of_line] == ["Payroll run"]
    assert admin.post(f"/api/v1/task-types/{run['id']}/archive").get_json()["archived"] is True
    assert admin.get(f"/api/v1/task-types?service_line_id={other_line['id']}").get_json()["items"] == []
    with_archived = admin.get(f"/api/v1/task-types?service_line_id={other_line['id']}&include_archived=true").get_json()["items"]
    assert [item["id"] for item in with_archived] == [run["id"]]
    assert admin.post(f"/api/v1/task-types/{run['id']}/restore").get_json()["archived"] is False


def test_archiving_a_line_archives_its_types_and_restoring_brings_them_back(admin, world):
    line = create_line(admin)
    kept = create_type(admin, line["id"], name="Kept")
    retired = create_type(admin, line["id"], name="Retired earlier")
    admin.post(f"/api/v1/task-types/{retired['id']}/archive")
    admin.post(f"/api/v1/service-lines/{line['id']}/archive")
    assert admin.get(f"/api/v1/task-types/{kept['id']}").get_json()["archived"] is True
    error = assert_error(admin.post(f"/api/v1/task-types/{kept['id']}/restore"), 409)
    assert "service_line_id" in error["fields"]
    admin.post(f"/api/v1/service-lines/{line['id']}/restore")
    assert admin.get(f"/api/v1/task-types/{kept['id']}").get_json()["archived"] is False
    assert admin.get(f"/api/v1/task-types/{retired['id']}").get_json()["archived"] is True


def test_duplicate_task_type_name_in_a_line_is_409(admin, world):
    error = assert_error(admin.post("/api/v1/task-types", json={"service_line_id": str(world.a.service_line_id), "name": "Month-end close"}), 409)
    assert "name" in error["fields"]


def test_another_agencys_line_or_queue_cannot_be_used(admin, world):
    error = assert_error(admin.post("/api/v1/task-types", json={"service_line_id": str(world.b.service_line_id), "name": "X"}), 422)
    assert "service_line_id" in error["fields"]
    error = assert_error(
        admin.post(
            "/api/v1/task-types", json={"service_line_id": str(world.a.service_line_id), "name": "X", "default_queue_id": str(world.b.queue_id)}
        ),
        422,
    )
    assert "default_queue_id" in error["fields"]


@pytest.mark.parametrize(
    "custom_fields, where",
    [
        ([{"key": "Period", "label": "Period", "type": "date"}], ("0", "key")),
        ([{"key": "period", "label": "Period", "type": "colour"}], ("0", "type")),
        ([{"key": "period", "type": "date"}], ("0", "label")),
        ([{"key": "ok", "label": "Ok", "type": "text"}, {"key": "ok", "label": "Again", "type": "text"}], ("1", "key")),
        ([{"key": "kind", "label": "Kind", "type": "choice"}], ("0", "choices")),
        ([{"key": "x", "label": "X", "type": "text", "secret": True}], ("0", "secret")),
    ],
)
def test_bad_custom_field_definitions_are_422_naming_the_field(admin, world, custom_fields, where):
    response = admin.post(
        "/api/v1/task-types", json={"service_line_id": str(world.a.service_line_id), "name": "Fields", "custom_fields": custom_fields}
    )
    error = assert_error(response, 422, "validation_failed")
    index, field = where
    assert field in error["fields"]["custom_fields"][index], error


@pytest.mark.parametrize(
    "checklist, field",
    [
        ([{"title": ""}], "title"),
        ([{"title": "Ok", "required": "often"}], "required"),
        (["just a string"], None),
    ],
)
def test_bad_checklist_templates_are_422(admin, world, checklist, field):
    response = admin.patch(f"/api/v1/task-types/{world.a.task_type_id}", json={"checklist_template": checklist})
    error = assert_error(response, 422)
    assert "checklist_template" in error["fields"]
    if field:
        assert field in error["fields"]["checklist_template"]["0"]


# --- client services -------------------------------------------------------------------------


def test_admin_sets_a_clients_services_and_each_change_is_audited(app, admin, world):
    payroll = create_line(admin)
    url = f"/api/v1/clients/{world.a.client_id}/services"
    assert [line["code"] for line in admin.get(url).get_json()] == ["BK"]
    response = admin.put(url, json={"service_line_ids": [payroll["id"]]})
    assert response.status_code == 200, response.get_json()
    assert [line["code"] for line in response.get_json()] == ["PR"]
    assert [line["code"] for line in admin.get(url).get_json()] == ["PR"]
    with tenant_db(app, world.a.agency_id) as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("client.service_%"))).all()
    assert sorted(actions) == ["client.service_added", "client.service_removed"]


def test_client_services_refuse_unknown_or_foreign_lines(admin, world):
    url = f"/api/v1/clients/{world.a.client_id}/services"
    error = assert_error(admin.put(url, json={"service_line_ids": [str(world.b.service_line_id)]}), 422)
    assert "service_line_ids" in error["fields"]
    assert_error(admin.put(f"/api/v1/clients/{world.b.client_id}/services", json={"service_line_ids": []}), 404)


# --- permissions -----------------------------------------------------------------------------


def test_staff_read_the_catalog_but_cannot_change_it(app, world, as_user):
    staff = as_user(world.a.staff)
    assert staff.get("/api/v1/service-lines").status_code == 200
    assert staff.get(f"/api/v1/service-lines/{world.a.service_line_id}").status_code == 200
    assert staff.get("/api/v1/task-types").status_code == 200
    assert staff.get(f"/api/v1/task-types/{world.a.task_type_id}").status_code == 200
    assert staff.get(f"/api/v1/clients/{world.a.client_id}/services").status_code == 200
    # Staff only reach the clients they serve.
    assert_error(staff.get(f"/api/v1/clients/{world.a.other_client_id}/services"), 404)
    writes = [
        ("post", "/api/v1/service-lines", {"name": "X", "code": "XX"}),
        ("patch", f"/api/v1/service-lines/{world.a.service_line_id}", {"name": "X"}),
        ("post", f"/api/v1/service-lines/{world.a.service_line_id}/archive", None),
        ("post", "/api/v1/task-types", {"service_line_id": str(world.a.service_line_id), "name": "X"}),
        ("patch", f"/api/v1/task-types/{world.a.task_type_id}", {"name": "X"}),
        ("post", f"/api/v1/task-types/{world.a.task_type_id}/archive", None),
        ("put", f"/api/v1/clients/{world.a.client_id}/services", {"service_line_ids": []}),
    ]
    for method, url, body in writes:
        assert_error(getattr(staff, method)(url, json=body), 403, "forbidden")
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(ServiceLine.name).where(ServiceLine.id == world.a.service_line_id)) == "Bookkeeping"


@pytest.mark.parametrize("role", ["client_admin", "client_member"])
def test_client_users_get_403_everywhere(world, as_user, role):
    user = as_user(getattr(world.a, role))
    for url in (
        "/api/v1/service-lines",
        f"/api/v1/service-lines/{world.a.service_line_id}",
        "/api/v1/task-types",
        f"/api/v1/task-types/{world.a.task_type_id}",
        f"/api/v1/clients/{world.a.client_id}/services",
    ):
        assert_error(user.get(url), 403)
    assert_error(user.post("/api/v1/service-lines", json={"name": "X", "code": "XX"}), 403)


def test_signed_out_callers_get_401(client):
    assert client.get("/api/v1/task-types").status_code == 401
