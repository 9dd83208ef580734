"""The JSON API's one error shape for unknown routes, wrong methods and bad bodies, and its OpenAPI document."""

from __future__ import annotations

import pytest

from tests.support.factories import PASSWORD
from tests.support.web import assert_error


@pytest.fixture
def admin(world, as_user):
    return as_user(world.a.agency_admin)


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/users", "/api/whatever"])
def test_unknown_api_route_is_404_json(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_unknown_api_route_is_404_json_for_signed_in_users_too(admin):
    assert_error(admin.post("/api/v1/nothing-here", json={}), 404, "not_found")


def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_wrong_method_is_405_json_with_allow(admin):
    response = admin.delete("/api/v1/me")

    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_wrong_method_on_token_endpoint_is_405(client):
    assert_error(client.get("/api/v1/auth/token"), 405, "method_not_allowed")


def test_unauthenticated_api_call_is_401_json_with_bearer_challenge(client):
    response = client.get("/api/v1/users")

    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_garbage_bearer_token_is_401(client):
    for header in ("Bearer nonsense", "Bearer bl_zzz_secret", "Bearer bl_" + "0" * 32 + "_secret", "Basic abc"):
        assert_error(client.get("/api/v1/me", headers={"Authorization": header}), 401, "unauthorized")


@pytest.mark.parametrize("payload", ["{not json", "", "[1, 2", '{"name": "x",}'])
def test_invalid_json_body_is_a_4xx_json_error(admin, payload):
    response = admin.post("/api/v1/clients", data=payload, content_type="application/json")

    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


def test_invalid_json_on_token_request_is_a_4xx_json_error(client):
    response = client.post("/api/v1/auth/token", data="{oops", content_type="application/json")

    assert response.status_code in (400, 422)
    error = assert_error(response, response.status_code)
    assert error["code"] in ("bad_request", "validation_failed")


@pytest.mark.parametrize("payload", ["[]", '"a string"', "42", "null"])
def test_json_that_is_not_an_object_is_refused(admin, payload):
    response = admin.post("/api/v1/clients", data=payload, content_type="application/json")

    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


def test_wrong_field_types_are_422_naming_the_fields(admin):
    response = admin.post("/api/v1/clients", json={"name": 42, "timezone": ["UTC"]})

    error = assert_error(response, 422, "validation_failed")
    assert {"name", "timezone"} <= set(error["fields"])


def test_body_sent_as_form_data_is_refused_without_500(admin):
    response = admin.post("/api/v1/clients", data={"name": "Form Co"})

    assert response.status_code in (400, 415, 422)
    assert_error(response, response.status_code)


def test_bad_uuid_in_path_is_404(admin):
    assert_error(admin.get("/api/v1/clients/not-a-uuid"), 404, "not_found")


def test_bad_query_parameters_are_422(admin):
    error = assert_error(admin.get("/api/v1/clients", query_string={"limit": "many"}), 422, "validation_failed")
    assert "limit" in error["fields"]
    error = assert_error(admin.get("/api/v1/users", query_string={"client_id": "nope"}), 422, "validation_failed")
    assert "client_id" in error["fields"]


def test_bad_cursor_is_422(admin):
    for cursor in ("%%%", "WzEsMiwzXQ", "bm90IGpzb24"):
        error = assert_error(admin.get("/api/v1/clients", query_string={"cursor": cursor}), 422, "validation_failed")
        assert "cursor" in error["fields"]


def test_rate_limited_token_requests_answer_429_json(app, world, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", "2 per minute")
    for _ in range(2):
        client.post("/api/v1/auth/token", json={"agency": world.a.slug, "email": world.a.staff.email, "password": "nope"})

    response = client.post("/api/v1/auth/token", json={"agency": world.a.slug, "email": world.a.staff.email, "password": PASSWORD})

    assert_error(response, 429, "rate_limited")


# --- the OpenAPI document ----------------------------------------------------------------------


def test_openapi_document_lists_the_endpoints(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Backline API"
    paths = spec["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/clients",
        "/api/v1/clients/{client_id}",
        "/api/v1/users/{user_id}",
        "/api/v1/tokens",
    ):
        assert path in paths, path
    assert "post" in paths["/api/v1/auth/token"]
    assert {"get", "post"} <= set(paths["/api/v1/users"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_openapi_document_describes_the_error_shape_and_unknown_fields(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]

    token_in = next(s for name, s in schemas.items() if name.startswith("TokenRequest"))
    assert {"agency", "email", "password"} <= set(token_in["required"])
    responses = spec["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "201" in responses and "401" in responses


def test_api_docs_page_renders(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    for path in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/users", "/api/v1/clients"):
        assert path in body
    assert "/api/v1/openapi.json" in body


def test_text_with_a_nul_character_is_refused_with_422_and_nothing_is_stored(app, world, admin, as_user, owner_engine):
    from sqlalchemy import text

    def tokens() -> int:
        with owner_engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM api_tokens")).scalar()

    before = tokens()
    assert_error(admin.post("/api/v1/tokens", json={"name": "laptop\x00"}), 422, "validation_failed")
    assert_error(admin.post("/api/v1/tokens", json={"name": "ok", "extra": ["a", {"b": "\x00"}]}), 422, "validation_failed")
    assert_error(admin.get("/api/v1/tasks?q=%00"), 422, "validation_failed")
    page = as_user(world.a.staff).post(f"/tasks/{world.a.task_id}/comments", data={"body": "hello\x00"})
    assert page.status_code == 422 and page.mimetype == "text/html"
    assert "NUL" in page.get_data(as_text=True)
    assert tokens() == before


def test_uploaded_files_may_hold_nul_bytes(world, as_user):
    import io

    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
    response = as_user(world.a.staff).post(
        f"/tasks/{world.a.task_id}/attachments", data={"file": (io.BytesIO(png), "scan.png", "image/png")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.status_code
