"""Server-side session invalidation (sign-out, password change, deactivation) and CSRF on pages and the API."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts import passwords
from app.accounts.models import ApiToken
from tenants.models import Client
from tests.support.factories import PASSWORD
from tests.support.web import bearer, csrf_from, load_user, sign_in, tenant_db

NEW_PASSWORD = "a brand new passphrase"


def is_signed_in(client) -> bool:
    response = client.get("/api/v1/tokens")
    assert response.status_code in (200, 401)
    return response.status_code == 200


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


# --- sign-out ----------------------------------------------------------------------------------


def test_sign_out_redirects_to_sign_in_and_ends_the_session(world, client):
    assert sign_in(client, world.a.slug, world.a.staff.email, PASSWORD).status_code == 302
    assert is_signed_in(client)

    response = client.post("/sign-out", data={"csrf_token": csrf_from(client, "/account")})

    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    assert not is_signed_in(client)


def test_a_replayed_cookie_from_before_sign_out_is_refused(app, world, client):
    sign_in(client, world.a.slug, world.a.staff.email, PASSWORD)
    token = csrf_from(client, "/account")
    old_cookie = session_cookie(client)

    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    page = replay.get("/account")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/sign-in")
    api = replay.get("/api/v1/me")
    assert api.status_code == 401
    assert api.get_json()["error"]["code"] == "unauthorized"


def test_sign_out_ends_every_other_session_of_the_user(world, as_user):
    laptop, phone = as_user(world.a.staff), as_user(world.a.staff)
    colleague = as_user(world.a.idle_staff)

    assert laptop.post("/sign-out").status_code == 302

    assert not is_signed_in(phone)
    assert is_signed_in(colleague)


def test_sign_out_is_audited(app, world, as_user):
    from app.core.audit import AuditEvent

    as_user(world.a.staff).post("/sign-out")

    with tenant_db(app, world.a.agency_id) as session:
        actors = list(session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "auth.signed_out")))
    assert actors == [world.a.staff.id]


def test_sign_out_needs_post(world, as_user):
    client = as_user(world.a.staff)

    assert client.get("/sign-out").status_code == 405
    assert is_signed_in(client)


# --- password change ---------------------------------------------------------------------------


def test_password_change_keeps_this_session_and_ends_the_others(app, world, as_user, client):
    here, elsewhere = as_user(world.a.staff), as_user(world.a.staff)

    response = here.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert is_signed_in(here)
    assert here.get("/account").status_code == 200
    assert not is_signed_in(elsewhere)
    app.config["WTF_CSRF_ENABLED"] = True
    assert sign_in(client, world.a.slug, world.a.staff.email, PASSWORD).status_code == 401
    assert sign_in(client, world.a.slug, world.a.staff.email, NEW_PASSWORD).status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(app, world, as_user):
    here, elsewhere = as_user(world.a.staff), as_user(world.a.staff)

    response = here.post(
        "/account/password",
        data={
            "current_password": "not my password",
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )

    assert response.status_code == 422
    assert "Incorrect." in response.get_data(as_text=True)
    assert is_signed_in(elsewhere)
    with tenant_db(app, world.a.agency_id) as session:
        assert passwords.verify_password(load_user(session, world.a.staff).password_hash, PASSWORD)


def test_password_change_refuses_a_weak_or_mismatched_password(world, as_user):
    client = as_user(world.a.staff)

    weak = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    mismatch = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD + "!",
        },
    )

    assert weak.status_code == 422
    assert "at least 10 characters" in weak.get_data(as_text=True)
    assert mismatch.status_code == 422
    assert "do not match" in mismatch.get_data(as_text=True)
    assert is_signed_in(client)


# --- deactivation ------------------------------------------------------------------------------


def test_deactivation_stops_the_users_session_and_api_token(app, world, as_user, client):
    victim_session = as_user(world.a.staff)
    victim_token = bearer(app, world.a.staff)
    assert is_signed_in(victim_session)
    assert client.get("/api/v1/me", headers=victim_token).status_code == 200

    response = as_user(world.a.agency_admin).post(f"/api/v1/users/{world.a.staff.id}/deactivate")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "deactivated"
    assert not is_signed_in(victim_session)
    assert client.get("/api/v1/me", headers=victim_token).status_code == 401
    with tenant_db(app, world.a.agency_id) as session:
        revoked = session.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == world.a.staff.id)).all()
    assert revoked and all(revoked)


def test_reactivation_does_not_revive_old_sessions_or_tokens(app, world, as_user, client):
    victim_session = as_user(world.a.staff)
    victim_token = bearer(app, world.a.staff)
    admin = as_user(world.a.agency_admin)
    admin.post(f"/api/v1/users/{world.a.staff.id}/deactivate")

    assert admin.post(f"/api/v1/users/{world.a.staff.id}/reactivate").status_code == 200

    assert not is_signed_in(victim_session)
    assert client.get("/api/v1/me", headers=victim_token).status_code == 401
    app.config["WTF_CSRF_ENABLED"] = True
    fresh = app.test_client()
    assert sign_in(fresh, world.a.slug, world.a.staff.email, PASSWORD).status_code == 302


# --- CSRF --------------------------------------------------------------------------------------


def test_page_post_without_csrf_token_is_400_and_changes_nothing(app, world, as_user):
    client = as_user(world.a.staff)
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )

    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    with tenant_db(app, world.a.agency_id) as session:
        user = load_user(session, world.a.staff)
        assert passwords.verify_password(user.password_hash, PASSWORD)
        assert user.session_version == world.a.staff.session_version
    assert is_signed_in(client)


def test_sign_out_without_csrf_token_does_not_sign_out(app, world, as_user):
    client = as_user(world.a.staff)
    app.config["WTF_CSRF_ENABLED"] = True

    assert client.post("/sign-out").status_code == 400
    assert is_signed_in(client)


def test_page_post_with_a_wrong_csrf_token_is_400(app, world, as_user):
    client = as_user(world.a.agency_admin)
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post("/clients/new", data={"csrf_token": "forged", "name": "Forged Ltd", "timezone": "UTC"})

    assert response.status_code == 400
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(func.count()).select_from(Client).where(Client.name == "Forged Ltd")) == 0


def test_page_post_with_the_forms_csrf_token_is_accepted(app, world, as_user):
    client = as_user(world.a.agency_admin)
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_from(client, "/clients/new")

    response = client.post("/clients/new", data={"csrf_token": token, "name": "Real Ltd", "timezone": "UTC"})

    assert response.status_code == 302


def test_session_api_write_without_csrf_header_is_refused(app, world, as_user):
    client = as_user(world.a.agency_admin)
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post("/api/v1/clients", json={"name": "Cookie Ltd"})

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(func.count()).select_from(Client).where(Client.name == "Cookie Ltd")) == 0


def test_session_api_write_with_csrf_header_is_accepted(app, world, as_user):
    client = as_user(world.a.agency_admin)
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_from(client, "/account")

    response = client.post("/api/v1/clients", json={"name": "Cookie Ltd"}, headers={"X-CSRFToken": token})

    assert response.status_code == 201, response.get_json()


def test_bearer_token_api_write_needs_no_csrf_token(app, world, client):
    headers = bearer(app, world.a.agency_admin)
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post("/api/v1/clients", json={"name": "Bearer Ltd"}, headers=headers)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "Bearer Ltd"


def test_token_request_needs_no_csrf_token(app, world, client):
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post("/api/v1/auth/token", json={"agency": world.a.slug, "email": world.a.staff.email, "password": PASSWORD})

    assert response.status_code == 201, response.get_json()
