"""The clients JSON API: admin CRUD, filters and pagination, staff assignment, and what staff and client users see."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def admin(world, as_user):
    return as_user(world.a.agency_admin)


def create(client, **body):
    response = client.post("/api/v1/clients", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


# --- admin CRUD --------------------------------------------------------------------------------


def test_admin_creates_a_client(admin):
    response = admin.post(
        "/api/v1/clients",
        json={
            "name": "  Northwind Ltd ",
            "legal_name": "Northwind Trading Limited",
            "contact_email": "Ops@Northwind.test",
            "timezone": "Europe/Berlin",
        },
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == "Northwind Ltd"
    assert body["legal_name"] == "Northwind Trading Limited"
    assert body["contact_email"] == "ops@northwind.test"
    assert body["timezone"] == "Europe/Berlin"
    assert body["archived"] is False
    fetched = admin.get(f"/api/v1/clients/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json() == body


def test_new_client_defaults_to_utc(admin):
    assert create(admin, name="Plain Co")["timezone"] == "UTC"


def test_duplicate_client_name_is_409(world, admin):
    response = admin.post("/api/v1/clients", json={"name": world.a.client_name})

    assert response.status_code == 409
    assert "name" in response.get_json()["error"]["fields"]


def test_the_same_name_is_fine_in_another_agency(world, admin):
    assert create(admin, name=world.b.client_name)["name"] == world.b.client_name


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "Zone Co", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "Mail Co", "contact_email": "not an email"}, "contact_email"),
        ({"name": "Sneaky Co", "agency_id": "00000000-0000-0000-0000-000000000000"}, "agency_id"),
        ({"name": "Sneaky Co", "archived_at": "2020-01-01T00:00:00Z"}, "archived_at"),
    ],
)
def test_create_with_bad_fields_is_422_naming_the_field(admin, body, field):
    response = admin.post("/api/v1/clients", json=body)

    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert names(admin.get("/api/v1/clients", query_string={"q": "co", "status": "all"})) == []


def test_admin_patches_a_client(world, admin):
    response = admin.patch(f"/api/v1/clients/{world.a.client_id}", json={"name": "Renamed One", "timezone": "Asia/Tokyo"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "Renamed One"
    assert response.get_json()["timezone"] == "Asia/Tokyo"
    assert admin.get(f"/api/v1/clients/{world.a.client_id}").get_json()["name"] == "Renamed One"


def test_patch_to_another_clients_name_is_409(world, admin):
    response = admin.patch(f"/api/v1/clients/{world.a.client_id}", json={"name": world.a.other_client_name})

    assert response.status_code == 409
    assert admin.get(f"/api/v1/clients/{world.a.client_id}").get_json()["name"] == world.a.client_name


def test_patch_keeping_its_own_name_is_fine(world, admin):
    response = admin.patch(f"/api/v1/clients/{world.a.client_id}", json={"name": world.a.client_name, "legal_name": "New Legal"})

    assert response.status_code == 200
    assert response.get_json()["legal_name"] == "New Legal"


def test_patch_with_unknown_field_is_422(world, admin):
    response = admin.patch(f"/api/v1/clients/{world.a.client_id}", json={"agency_id": str(world.b.agency_id)})

    assert response.status_code == 422
    assert "agency_id" in response.get_json()["error"]["fields"]


def test_archive_and_restore(world, admin):
    archived = admin.post(f"/api/v1/clients/{world.a.client_id}/archive")

    assert archived.status_code == 200
    assert archived.get_json()["archived"] is True
    assert archived.get_json()["archived_at"] is not None
    assert world.a.client_name not in names(admin.get("/api/v1/clients"))
    assert names(admin.get("/api/v1/clients", query_string={"status": "archived"})) == [world.a.client_name]

    restored = admin.post(f"/api/v1/clients/{world.a.client_id}/restore")

    assert restored.status_code == 200
    assert restored.get_json()["archived"] is False
    assert world.a.client_name in names(admin.get("/api/v1/clients"))
    assert names(admin.get("/api/v1/clients", query_string={"status": "archived"})) == []


def test_another_agencys_client_is_404_and_unchanged(world, admin, as_user):
    assert admin.get(f"/api/v1/clients/{world.b.client_id}").status_code == 404
    assert admin.patch(f"/api/v1/clients/{world.b.client_id}", json={"name": "Taken"}).status_code == 404
    assert admin.post(f"/api/v1/clients/{world.b.client_id}/archive").status_code == 404
    assert admin.put(f"/api/v1/clients/{world.b.client_id}/staff", json={"staff_ids": []}).status_code == 404
    owner = as_user(world.b.agency_admin)
    body = owner.get(f"/api/v1/clients/{world.b.client_id}").get_json()
    assert body["name"] == world.b.client_name
    assert body["archived"] is False


def test_unknown_client_id_is_404(admin):
    assert admin.get(f"/api/v1/clients/{uuid.uuid4()}").status_code == 404


# --- list: filters and pagination --------------------------------------------------------------


def test_list_filters_by_status(world, admin):
    create(admin, name="Gone Co")
    gone = admin.get("/api/v1/clients", query_string={"q": "gone"}).get_json()["items"][0]
    admin.post(f"/api/v1/clients/{gone['id']}/archive")

    active = names(admin.get("/api/v1/clients"))
    archived = names(admin.get("/api/v1/clients", query_string={"status": "archived"}))
    everything = names(admin.get("/api/v1/clients", query_string={"status": "all"}))

    assert active == sorted([world.a.client_name, world.a.other_client_name])
    assert archived == ["Gone Co"]
    assert sorted(everything) == sorted(active + archived)


def test_list_filters_by_q_on_name_and_legal_name(world, admin):
    create(admin, name="Alpha Bakery", legal_name="Alpha Bakery GmbH")
    create(admin, name="Beta Co", legal_name="Bakers United Ltd")

    assert names(admin.get("/api/v1/clients", query_string={"q": "BAKER"})) == ["Alpha Bakery", "Beta Co"]
    assert names(admin.get("/api/v1/clients", query_string={"q": "gmbh"})) == ["Alpha Bakery"]
    assert names(admin.get("/api/v1/clients", query_string={"q": "zzz"})) == []


def test_list_rejects_an_unknown_status(admin):
    response = admin.get("/api/v1/clients", query_string={"status": "deleted"})

    assert response.status_code == 422
    assert "status" in response.get_json()["error"]["fields"]


def test_list_pages_with_keyset_cursor(world, admin):
    for name in ("Echo", "Delta", "Charlie", "Bravo", "Alpha"):
        create(admin, name=name)
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = admin.get("/api/v1/clients", query_string=query).get_json()
        assert len(body["items"]) <= 2
        seen += [item["name"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break

    expected = sorted(["Echo", "Delta", "Charlie", "Bravo", "Alpha", world.a.client_name, world.a.other_client_name])
    assert seen == expected
    assert len(set(seen)) == len(seen)
    assert pages == 4


def test_list_limit_out_of_range_is_422(admin):
    assert admin.get("/api/v1/clients", query_string={"limit": 0}).status_code == 422
    assert admin.get("/api/v1/clients", query_string={"limit": 1000}).status_code == 422


def test_list_never_shows_another_agencys_clients(world, admin):
    listed = names(admin.get("/api/v1/clients", query_string={"status": "all", "limit": 200}))

    assert world.b.client_name not in listed
    assert world.b.other_client_name not in listed


# --- staff assignment --------------------------------------------------------------------------


def test_put_staff_sets_exactly_the_assignments(world, admin):
    url = f"/api/v1/clients/{world.a.client_id}/staff"

    response = admin.put(url, json={"staff_ids": [str(world.a.idle_staff.id), str(world.a.agency_admin.id)]})

    assert response.status_code == 200, response.get_json()
    assert sorted(item["id"] for item in response.get_json()) == sorted([str(world.a.idle_staff.id), str(world.a.agency_admin.id)])
    listed = admin.get(url).get_json()
    assert sorted(item["email"] for item in listed) == sorted([world.a.idle_staff.email, world.a.agency_admin.email])

    cleared = admin.put(url, json={"staff_ids": []})
    assert cleared.status_code == 200
    assert cleared.get_json() == []
    assert admin.get(url).get_json() == []


def test_put_staff_is_idempotent(world, admin):
    url = f"/api/v1/clients/{world.a.client_id}/staff"
    body = {"staff_ids": [str(world.a.staff.id), str(world.a.staff.id)]}

    first = admin.put(url, json=body)
    second = admin.put(url, json=body)

    assert first.status_code == second.status_code == 200
    assert [item["id"] for item in second.get_json()] == [str(world.a.staff.id)]


@pytest.mark.parametrize("who", ["client_member", "other agency staff", "unknown"])
def test_put_staff_rejects_non_staff_ids_with_422(world, admin, who):
    bad = {"client_member": world.a.client_member.id, "other agency staff": world.b.staff.id, "unknown": uuid.uuid4()}[who]
    url = f"/api/v1/clients/{world.a.client_id}/staff"

    response = admin.put(url, json={"staff_ids": [str(world.a.idle_staff.id), str(bad)]})

    assert response.status_code == 422
    assert "staff_ids" in response.get_json()["error"]["fields"]
    assert [item["email"] for item in admin.get(url).get_json()] == [world.a.staff.email]


def test_put_staff_rejects_a_deactivated_staff_member(world, admin):
    admin.post(f"/api/v1/users/{world.a.idle_staff.id}/deactivate")

    response = admin.put(f"/api/v1/clients/{world.a.client_id}/staff", json={"staff_ids": [str(world.a.idle_staff.id)]})

    assert response.status_code == 422


def test_put_staff_rejects_malformed_ids(world, admin):
    response = admin.put(f"/api/v1/clients/{world.a.client_id}/staff", json={"staff_ids": ["nope"]})

    assert response.status_code == 422
    assert "staff_ids" in response.get_json()["error"]["fields"]


def test_only_admins_manage_staff_assignments(world, as_user):
    staff = as_user(world.a.staff)

    assert staff.get(f"/api/v1/clients/{world.a.client_id}/staff").status_code == 403
    assert staff.put(f"/api/v1/clients/{world.a.client_id}/staff", json={"staff_ids": []}).status_code == 403


# --- what staff see ----------------------------------------------------------------------------


def test_staff_list_shows_only_assigned_clients(world, as_user):
    assert names(as_user(world.a.staff).get("/api/v1/clients")) == [world.a.client_name]
    assert names(as_user(world.a.idle_staff).get("/api/v1/clients")) == []


def test_staff_get_of_an_unassigned_client_is_404(world, as_user):
    staff = as_user(world.a.staff)

    assert staff.get(f"/api/v1/clients/{world.a.client_id}").status_code == 200
    response = staff.get(f"/api/v1/clients/{world.a.other_client_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_assignment_changes_what_staff_see(world, admin, as_user):
    admin.put(f"/api/v1/clients/{world.a.other_client_id}/staff", json={"staff_ids": [str(world.a.idle_staff.id)]})

    idle = as_user(world.a.idle_staff)

    assert names(idle.get("/api/v1/clients")) == [world.a.other_client_name]
    assert idle.get(f"/api/v1/clients/{world.a.other_client_id}").status_code == 200


@pytest.mark.parametrize("role", ["staff", "client_admin", "client_member"])
def test_non_admins_cannot_create_edit_or_archive(world, as_user, role):
    client = as_user(getattr(world.a, role))

    assert client.post("/api/v1/clients", json={"name": "Mine Now"}).status_code == 403
    assert client.patch(f"/api/v1/clients/{world.a.client_id}", json={"name": "Mine Now"}).status_code == 403
    assert client.post(f"/api/v1/clients/{world.a.client_id}/archive").status_code == 403
    assert client.post(f"/api/v1/clients/{world.a.client_id}/restore").status_code == 403


# --- what client users see ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["client_admin", "client_member"])
def test_client_users_see_only_their_own_client(world, as_user, role):
    client = as_user(getattr(world.a, role))

    assert names(client.get("/api/v1/clients", query_string={"status": "all"})) == [world.a.client_name]
    assert client.get(f"/api/v1/clients/{world.a.client_id}").status_code == 200
    assert client.get(f"/api/v1/clients/{world.a.other_client_id}").status_code == 404
    assert client.get(f"/api/v1/clients/{world.b.client_id}").status_code == 404


def test_client_user_search_cannot_find_other_clients(world, as_user):
    client = as_user(world.a.client_admin)

    assert names(client.get("/api/v1/clients", query_string={"q": "two", "status": "all"})) == []
