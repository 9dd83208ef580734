"""The accounts JSON API: tokens, the caller, users (list, filters, invite, roles, deactivation) and their guards."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import ApiToken, User
from tests.support.factories import PASSWORD
from tests.support.web import bearer, csrf_for, load_user, tenant_db

SIGN_IN_FAILED = services.SIGN_IN_FAILED


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def api_as(app, as_user):
    """api_as(user) -> a session-cookie client that sends X-CSRFToken on every request, like the web app."""

    def make(ref):
        client = as_user(ref)
        client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_for(app, client)
        return client

    return make


def token_request(client, **body):
    return client.post("/api/v1/auth/token", json=body)


def all_user_pages(client, **params) -> tuple[list[str], int]:
    emails, pages, cursor = [], 0, None
    while True:
        query = dict(params, limit=2)
        if cursor:
            query["cursor"] = cursor
        response = client.get("/api/v1/users", query_string=query)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert len(body["items"]) <= 2
        emails += [item["email"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return emails, pages
        assert pages < 20, "pagination does not end"


# --- tokens and the caller ---------------------------------------------------------------------


def test_token_request_returns_a_bl_token_that_authenticates_me(world, client):
    response = token_request(client, agency=world.a.slug, email=world.a.staff.email, password=PASSWORD, name="CI")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["token"].startswith("bl_")
    assert body["name"] == "CI"
    assert body["prefix"] == body["token"][-6:]

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200, me.get_json()
    data = me.get_json()
    assert data["id"] == str(world.a.staff.id)
    assert data["email"] == world.a.staff.email
    assert data["role"] == "staff"
    assert data["agency"] == {
        "id": str(world.a.agency_id),
        "name": world.a.name,
        "slug": world.a.slug,
        "timezone": "Europe/London",
        "locale": "en_GB",
    }


def test_me_works_with_the_session_cookie(world, as_user):
    response = as_user(world.a.client_admin).get("/api/v1/me")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["email"] == world.a.client_admin.email
    assert body["client_id"] == str(world.a.client_id)
    assert body["agency"]["slug"] == world.a.slug


def test_me_without_credentials_is_401_json(client):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "unknown agency", "invited user"])
def test_bad_credentials_answer_one_401_body(world, client, case):
    body = {"agency": world.a.slug, "email": world.a.staff.email, "password": PASSWORD}
    if case == "wrong password":
        body["password"] = "not the password"
    elif case == "unknown email":
        body["email"] = "nobody@a.test"
    elif case == "unknown agency":
        body["agency"] = "no-such-agency"
    else:
        body["email"] = world.a.invited.email

    response = token_request(client, **body)

    assert response.status_code == 401
    assert response.get_json() == {"error": {"code": "invalid_credentials", "message": SIGN_IN_FAILED, "fields": {}}}


def test_token_request_with_unknown_field_is_422_naming_it(world, client):
    response = token_request(client, agency=world.a.slug, email=world.a.staff.email, password=PASSWORD, scope="all")

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert "scope" in error["fields"]


def test_token_request_missing_password_is_422(world, client):
    response = token_request(client, agency=world.a.slug, email=world.a.staff.email)

    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["fields"]


def test_token_list_never_contains_the_secret(app, world, client):
    headers = bearer(app, world.a.staff)
    raw = headers["Authorization"].removeprefix("Bearer ")

    response = client.get("/api/v1/tokens", headers=headers)

    assert response.status_code == 200
    items = response.get_json()
    assert [item["name"] for item in items] == ["test token"]
    assert "token" not in items[0]
    assert raw not in response.get_data(as_text=True)
    secret = raw.split("_", 2)[2]  # bl_<agency>_<secret>; the secret itself may contain "_"
    assert secret not in response.get_data(as_text=True)


def test_tokens_list_only_the_callers_own(app, world, client):
    headers = bearer(app, world.a.idle_staff)  # idle staff already has the world's token too

    response = client.get("/api/v1/tokens", headers=headers)

    assert response.status_code == 200
    assert len(response.get_json()) == 2
    other = client.get("/api/v1/tokens", headers=bearer(app, world.a.staff))
    assert len(other.get_json()) == 1


def test_created_token_is_shown_once_and_works(world, api_as, client):
    response = api_as(world.a.staff).post("/api/v1/tokens", json={"name": "month-end script"})

    assert response.status_code == 201, response.get_json()
    raw = response.get_json()["token"]
    assert raw.startswith("bl_")
    listed = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {raw}"})
    assert listed.status_code == 200
    assert "token" not in listed.get_json()[0]


def test_deleted_token_is_revoked_and_then_refused(app, world, client):
    headers = bearer(app, world.a.staff)
    token_id = client.get("/api/v1/tokens", headers=headers).get_json()[0]["id"]

    response = client.delete(f"/api/v1/tokens/{token_id}", headers=headers)

    assert response.status_code == 204
    assert client.get("/api/v1/tokens", headers=headers).status_code == 401
    with tenant_db(app, world.a.agency_id) as session:
        token = session.scalar(select(ApiToken).where(ApiToken.id == uuid.UUID(token_id)))
        assert token.revoked_at is not None


def test_someone_elses_token_cannot_be_deleted(app, world, client):
    headers = bearer(app, world.a.staff)

    response = client.delete(f"/api/v1/tokens/{world.a.staff_token_id}", headers=headers)

    assert response.status_code == 404
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == world.a.staff_token_id)) is None


# --- users: visibility and guards --------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "client_member"])
def test_staff_and_client_members_get_403_on_users(world, api_as, role):
    client = api_as(getattr(world.a, role))

    assert client.get("/api/v1/users").status_code == 403
    assert client.get(f"/api/v1/users/{world.a.staff.id}").status_code == 403
    invite = client.post("/api/v1/users", json={"email": "new@a.test", "name": "New", "role": "staff"})
    assert invite.status_code == 403
    assert invite.get_json()["error"]["code"] == "forbidden"


def test_users_list_pages_through_everyone_in_email_order(world, api_as):
    client = api_as(world.a.agency_admin)

    emails, pages = all_user_pages(client)

    expected = sorted(
        [
            world.a.agency_admin.email,
            world.a.staff.email,
            world.a.idle_staff.email,
            world.a.client_admin.email,
            world.a.client_member.email,
            world.a.other_client_admin.email,
            world.a.invited.email,
        ]
    )
    assert emails == expected
    assert len(set(emails)) == len(emails)
    assert pages == 4
    single = client.get("/api/v1/users", query_string={"limit": 200}).get_json()
    assert [item["email"] for item in single["items"]] == emails
    assert single["next_cursor"] is None


def test_users_list_is_stable_across_repeated_walks(world, api_as):
    client = api_as(world.a.agency_admin)

    assert all_user_pages(client) == all_user_pages(client)


@pytest.mark.parametrize(
    "params, keys",
    [
        ({"role": "staff"}, ["staff", "idle_staff"]),
        ({"status": "invited"}, ["invited"]),
        ({"status": "active", "role": "client_admin"}, ["client_admin", "other_client_admin"]),
        ({"q": "boss"}, ["client_admin", "other_client_admin"]),
        ({"q": "CLERK"}, ["client_member"]),
        ({"client_id": "CLIENT"}, ["client_admin", "client_member"]),
    ],
)
def test_users_list_filters(world, api_as, params, keys):
    params = {k: (str(world.a.client_id) if v == "CLIENT" else v) for k, v in params.items()}

    response = api_as(world.a.agency_admin).get("/api/v1/users", query_string=params)

    assert response.status_code == 200
    assert sorted(item["email"] for item in response.get_json()["items"]) == sorted(getattr(world.a, k).email for k in keys)


def test_users_list_filter_status_deactivated(app, world, api_as):
    client = api_as(world.a.agency_admin)
    assert client.post(f"/api/v1/users/{world.a.idle_staff.id}/deactivate").status_code == 200

    response = client.get("/api/v1/users", query_string={"status": "deactivated"})

    assert [item["email"] for item in response.get_json()["items"]] == [world.a.idle_staff.email]
    assert response.get_json()["items"][0]["status"] == "deactivated"


def test_users_list_rejects_unknown_filter_values(world, api_as):
    response = api_as(world.a.agency_admin).get("/api/v1/users", query_string={"role": "owner"})

    assert response.status_code == 422
    assert "role" in response.get_json()["error"]["fields"]


def test_users_list_ignores_an_agency_id_in_the_query(world, api_as):
    response = api_as(world.a.agency_admin).get("/api/v1/users", query_string={"agency_id": str(world.b.agency_id)})

    assert response.status_code == 200
    emails = [item["email"] for item in response.get_json()["items"]]
    assert world.a.staff.email in emails
    assert not [email for email in emails if email.endswith(("@b.test", "b-one.test", "b-two.test"))]


def test_users_list_rejects_a_forged_cursor(world, api_as):
    response = api_as(world.a.agency_admin).get("/api/v1/users", query_string={"cursor": "not-a-cursor"})

    assert response.status_code == 422
    assert "cursor" in response.get_json()["error"]["fields"]


def test_client_admin_sees_only_their_own_clients_users(world, api_as):
    client = api_as(world.a.client_admin)

    listed = client.get("/api/v1/users").get_json()["items"]
    other = client.get(f"/api/v1/users/{world.a.other_client_admin.id}")
    staff = client.get(f"/api/v1/users/{world.a.staff.id}")

    assert sorted(item["email"] for item in listed) == sorted([world.a.client_admin.email, world.a.client_member.email])
    assert other.status_code == 404
    assert staff.status_code == 404


def test_client_admin_filtering_by_another_client_finds_nobody(world, api_as):
    response = api_as(world.a.client_admin).get("/api/v1/users", query_string={"client_id": str(world.a.other_client_id)})

    assert response.status_code == 200
    assert response.get_json()["items"] == []


def test_another_agencys_user_is_404_for_an_admin(world, api_as):
    client = api_as(world.a.agency_admin)

    assert client.get(f"/api/v1/users/{world.b.staff.id}").status_code == 404
    response = client.patch(f"/api/v1/users/{world.b.staff.id}", json={"name": "Hijacked"})
    assert response.status_code == 404
    assert client.post(f"/api/v1/users/{world.b.staff.id}/deactivate").status_code == 404


# --- users: invite -----------------------------------------------------------------------------


def test_admin_invites_a_user_who_is_then_invited(app, world, api_as):
    client = api_as(world.a.agency_admin)

    response = client.post("/api/v1/users", json={"email": "New.Person@A.test", "name": " New Person ", "role": "staff"})

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["email"] == "new.person@a.test"
    assert body["name"] == "New Person"
    assert body["status"] == "invited"
    assert body["role"] == "staff"
    assert body["client_id"] is None
    fetched = client.get(f"/api/v1/users/{body['id']}").get_json()
    assert fetched["status"] == "invited"


def test_admin_invites_a_client_user_into_a_client(world, api_as):
    response = api_as(world.a.agency_admin).post(
        "/api/v1/users",
        json={
            "email": "ap@a-one.test",
            "name": "Accounts Payable",
            "role": "client_member",
            "client_id": str(world.a.client_id),
        },
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["client_id"] == str(world.a.client_id)


def test_inviting_an_email_already_in_use_is_409(world, api_as):
    response = api_as(world.a.agency_admin).post(
        "/api/v1/users",
        json={
            "email": world.a.staff.email.upper(),
            "name": "Twin",
            "role": "staff",
        },
    )

    assert response.status_code == 409
    assert "email" in response.get_json()["error"]["fields"]


def test_the_same_email_may_exist_in_another_agency(world, api_as):
    response = api_as(world.a.agency_admin).post(
        "/api/v1/users",
        json={
            "email": world.b.staff.email,
            "name": "Same address",
            "role": "staff",
        },
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "x@a.test", "name": "X", "role": "client_member"}, "client_id"),
        ({"email": "x@a.test", "name": "X", "role": "owner"}, "role"),
        ({"email": "not-an-email", "name": "X", "role": "staff"}, "email"),
        ({"email": "x@a.test", "role": "staff"}, "name"),
        ({"email": "x@a.test", "name": "X", "role": "staff", "agency_id": "AGENCY_B"}, "agency_id"),
        ({"email": "x@a.test", "name": "X", "role": "staff", "password": "letmein-letmein"}, "password"),
    ],
)
def test_invite_with_bad_fields_is_422_naming_the_field(world, api_as, body, field):
    body = {k: (str(world.b.agency_id) if v == "AGENCY_B" else v) for k, v in body.items()}
    client = api_as(world.a.agency_admin)

    response = client.post("/api/v1/users", json=body)

    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    after = client.get("/api/v1/users", query_string={"q": "x@a.test"}).get_json()["items"]
    assert after == []


def test_invite_into_another_agencys_client_is_refused(world, api_as):
    response = api_as(world.a.agency_admin).post(
        "/api/v1/users",
        json={
            "email": "spy@a.test",
            "name": "Spy",
            "role": "client_member",
            "client_id": str(world.b.client_id),
        },
    )

    assert response.status_code == 422
    assert "client_id" in response.get_json()["error"]["fields"]


def test_client_admin_invites_a_member_into_their_own_client(world, api_as):
    response = api_as(world.a.client_admin).post(
        "/api/v1/users",
        json={
            "email": "junior@a-one.test",
            "name": "Junior",
            "role": "client_member",
            "client_id": str(world.a.client_id),
        },
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["client_id"] == str(world.a.client_id)


@pytest.mark.parametrize("role", ["staff", "agency_admin"])
def test_client_admin_cannot_invite_agency_roles(world, api_as, role):
    client = api_as(world.a.client_admin)

    response = client.post("/api/v1/users", json={"email": "mole@a.test", "name": "Mole", "role": role})

    assert response.status_code == 403
    assert client.get("/api/v1/users", query_string={"q": "mole"}).get_json()["items"] == []


def test_client_admin_cannot_invite_into_another_client(app, world, api_as):
    client = api_as(world.a.client_admin)

    other = client.post(
        "/api/v1/users",
        json={
            "email": "mole@a-two.test",
            "name": "Mole",
            "role": "client_member",
            "client_id": str(world.a.other_client_id),
        },
    )
    unknown = client.post(
        "/api/v1/users",
        json={
            "email": "mole@a-two.test",
            "name": "Mole",
            "role": "client_member",
            "client_id": str(uuid.uuid4()),
        },
    )

    # Refused exactly like a client that does not exist: the answer does not confirm the other client exists.
    assert other.status_code in (403, 422)
    assert (other.status_code, other.get_json()) == (unknown.status_code, unknown.get_json())
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(func.count()).select_from(User).where(User.email == "mole@a-two.test")) == 0


# --- users: roles and deactivation -------------------------------------------------------------


def test_admin_changes_a_users_role(app, world, api_as, as_user):
    staff_session = as_user(world.a.staff)
    assert staff_session.get("/api/v1/tokens").status_code == 200

    response = api_as(world.a.agency_admin).patch(f"/api/v1/users/{world.a.staff.id}", json={"role": "agency_admin"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["role"] == "agency_admin"
    with tenant_db(app, world.a.agency_id) as session:
        assert load_user(session, world.a.staff).role == "agency_admin"
    # a role change signs the person out, so their next request runs with the new role
    assert staff_session.get("/api/v1/tokens").status_code == 401


def test_admin_renames_a_user(world, api_as):
    response = api_as(world.a.agency_admin).patch(f"/api/v1/users/{world.a.client_member.id}", json={"name": "Renamed"})

    assert response.status_code == 200
    assert response.get_json()["name"] == "Renamed"


def test_a_client_user_cannot_be_given_an_agency_role(world, api_as):
    response = api_as(world.a.agency_admin).patch(f"/api/v1/users/{world.a.client_member.id}", json={"role": "staff"})

    assert response.status_code == 422
    assert "client_id" in response.get_json()["error"]["fields"]


def test_patch_with_unknown_field_is_422(world, api_as):
    response = api_as(world.a.agency_admin).patch(f"/api/v1/users/{world.a.staff.id}", json={"email": "moved@a.test"})

    assert response.status_code == 422
    assert "email" in response.get_json()["error"]["fields"]


def test_client_admin_cannot_promote_a_member_to_staff(world, api_as):
    response = api_as(world.a.client_admin).patch(f"/api/v1/users/{world.a.client_member.id}", json={"role": "staff"})

    assert response.status_code in (403, 422)
    assert response.get_json()["error"]["code"] in ("forbidden", "validation_failed")


def test_admin_cannot_deactivate_themselves(app, world, api_as):
    response = api_as(world.a.agency_admin).post(f"/api/v1/users/{world.a.agency_admin.id}/deactivate")

    assert response.status_code == 403
    with tenant_db(app, world.a.agency_id) as session:
        assert load_user(session, world.a.agency_admin).deactivated_at is None


def test_the_only_admin_cannot_demote_themselves(app, world, api_as):
    response = api_as(world.a.agency_admin).patch(f"/api/v1/users/{world.a.agency_admin.id}", json={"role": "staff"})

    assert response.status_code in (403, 409)
    with tenant_db(app, world.a.agency_id) as session:
        assert load_user(session, world.a.agency_admin).role == "agency_admin"


def test_admin_deactivates_and_reactivates_a_user(world, api_as):
    client = api_as(world.a.agency_admin)

    deactivated = client.post(f"/api/v1/users/{world.a.client_member.id}/deactivate")
    reactivated = client.post(f"/api/v1/users/{world.a.client_member.id}/reactivate")

    assert deactivated.status_code == 200
    assert deactivated.get_json()["status"] == "deactivated"
    assert reactivated.status_code == 200
    assert reactivated.get_json()["status"] == "active"


def test_client_admin_deactivates_a_member_of_their_own_client_only(world, api_as):
    client = api_as(world.a.client_admin)

    own = client.post(f"/api/v1/users/{world.a.client_member.id}/deactivate")
    other = client.post(f"/api/v1/users/{world.a.other_client_admin.id}/deactivate")

    assert own.status_code == 200
    assert other.status_code == 404


def test_bearer_token_write_is_accepted(app, world, client):
    headers = bearer(app, world.a.agency_admin)

    response = client.post("/api/v1/users", headers=headers, json={"email": "robot@a.test", "name": "Robot", "role": "staff"})

    assert response.status_code == 201, response.get_json()
