"""Two-factor authentication: enabling it, the code step of sign-in and the API, and the agency requirement."""

from __future__ import annotations

import html
import re

import pyotp
import time_machine
from sqlalchemy import select

from app.core.types import utcnow
from app.extensions import db
from tenants.models import Agency
from tests.support.factories import PASSWORD
from tests.support.web import csrf_from, load_user, sign_in, tenant_db


def enable_2fa(app, ref) -> str:
    """Turn two-factor on for `ref` directly in the database; returns the secret."""
    secret = pyotp.random_base32()
    with tenant_db(app, ref.agency_id) as session:
        user = load_user(session, ref)
        user.totp_secret, user.totp_enabled_at = secret, utcnow()
    return secret


def require_staff_2fa(app, agency_id) -> None:
    with app.app_context():
        db.session.scalar(select(Agency).where(Agency.id == agency_id)).require_staff_2fa = True
        db.session.commit()


def wrong_code(secret: str) -> str:
    """A six-digit code that is not valid for `secret` in the accepted window."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(utcnow(), offset) for offset in (-2, -1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in valid)


def password_step(client, workspace, ref):
    return sign_in(client, workspace, ref.email, PASSWORD)


def code_step(client, code):
    return client.post("/sign-in/verify", data={"csrf_token": csrf_from(client, "/sign-in/verify"), "code": code})


def is_signed_in(client) -> bool:
    response = client.get("/api/v1/tokens")
    assert response.status_code in (200, 401)
    return response.status_code == 200


def pending_secret(app, ref) -> str | None:
    """The secret being set up, as kept on the user's row."""
    with tenant_db(app, ref.agency_id) as session:
        return load_user(session, ref).totp_pending_secret


def totp_enabled(app, ref) -> bool:
    with tenant_db(app, ref.agency_id) as session:
        return load_user(session, ref).totp_enabled


# --- enabling ----------------------------------------------------------------------------------


def _session_cookie_payload(client) -> str:
    """The session cookie as anyone holding it can read it (it is signed, not encrypted)."""
    from itsdangerous import base64_decode

    value = client.get_cookie("session").value
    compressed = value.startswith(".")
    payload = base64_decode(value.lstrip(".").split(".")[0])
    if compressed:
        import zlib

        payload = zlib.decompress(payload)
    return payload.decode()


def test_setup_page_keeps_the_secret_server_side_and_shows_it(app, world, as_user):
    client = as_user(world.a.staff)

    response = client.get("/account/two-factor")

    assert response.status_code == 200
    secret = pending_secret(app, world.a.staff)
    assert secret and len(secret) >= 16
    shown = re.sub(r"\s+", "", response.get_data(as_text=True))
    assert secret in shown
    assert "<svg" in response.get_data(as_text=True)
    # the readable session cookie does not carry it
    assert secret not in _session_cookie_payload(client)
    # a reload shows the same secret, so a code already scanned keeps working
    client.get("/account/two-factor")
    assert pending_secret(app, world.a.staff) == secret


def test_enable_two_factor_with_the_current_code(app, world, as_user):
    client = as_user(world.a.staff)
    client.get("/account/two-factor")
    secret = pending_secret(app, world.a.staff)

    response = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account")
    with tenant_db(app, world.a.agency_id) as session:
        user = load_user(session, world.a.staff)
        assert user.totp_enabled and user.totp_secret == secret
        assert user.totp_pending_secret is None
    assert is_signed_in(client)


def test_enable_two_factor_with_a_wrong_code_is_refused(app, world, as_user):
    client = as_user(world.a.staff)
    client.get("/account/two-factor")
    secret = pending_secret(app, world.a.staff)

    response = client.post("/account/two-factor", data={"code": wrong_code(secret)})

    assert response.status_code == 422
    assert "Incorrect code." in response.get_data(as_text=True)
    assert not totp_enabled(app, world.a.staff)


def test_enable_two_factor_without_a_setup_secret_asks_to_scan_again(app, world, as_user):
    client = as_user(world.a.staff)

    response = client.post("/account/two-factor", data={"code": "123456"})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/two-factor")
    assert not totp_enabled(app, world.a.staff)


def test_setup_page_redirects_when_two_factor_is_already_on(app, world, as_user):
    enable_2fa(app, world.a.staff)

    response = as_user(world.a.staff).get("/account/two-factor")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account")


# --- signing in with a code --------------------------------------------------------------------


def test_password_alone_does_not_sign_in_a_two_factor_user(app, world, client):
    enable_2fa(app, world.a.staff)

    response = password_step(client, world.a.slug, world.a.staff)

    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in/verify"
    assert not is_signed_in(client)
    page = client.get("/sign-in/verify")
    assert page.status_code == 200
    assert world.a.staff.email in page.get_data(as_text=True)


def test_wrong_code_is_refused_and_right_code_signs_in(app, world, client):
    secret = enable_2fa(app, world.a.staff)
    password_step(client, world.a.slug, world.a.staff)

    wrong = code_step(client, wrong_code(secret))

    assert wrong.status_code == 401
    assert "That code is not valid." in html.unescape(wrong.get_data(as_text=True))
    assert not is_signed_in(client)

    right = code_step(client, pyotp.TOTP(secret).now())

    assert right.status_code == 302
    assert right.headers["Location"] == "/"
    assert is_signed_in(client)


def test_code_with_a_space_is_accepted(app, world, client):
    secret = enable_2fa(app, world.a.staff)
    password_step(client, world.a.slug, world.a.staff)
    code = pyotp.TOTP(secret).now()

    response = code_step(client, f"{code[:3]} {code[3:]}")

    assert response.status_code == 302
    assert is_signed_in(client)


def test_code_step_without_the_password_step_goes_back_to_sign_in(app, world, client):
    enable_2fa(app, world.a.staff)

    response = client.get("/sign-in/verify")

    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"


def test_too_many_wrong_codes_end_the_pending_sign_in(app, world, client):
    secret = enable_2fa(app, world.a.staff)
    password_step(client, world.a.slug, world.a.staff)
    token = csrf_from(client, "/sign-in/verify")
    statuses = [client.post("/sign-in/verify", data={"csrf_token": token, "code": wrong_code(secret)}).status_code for _ in range(5)]

    assert statuses == [401, 401, 401, 401, 429]
    after = client.post("/sign-in/verify", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert after.status_code == 302
    assert after.headers["Location"] == "/sign-in"
    assert not is_signed_in(client)


def test_wrong_codes_are_audited(app, world, client):
    from app.core.audit import AuditEvent

    secret = enable_2fa(app, world.a.staff)
    password_step(client, world.a.slug, world.a.staff)
    code_step(client, wrong_code(secret))

    with tenant_db(app, world.a.agency_id) as session:
        emails = list(session.scalars(select(AuditEvent.actor_email).where(AuditEvent.action == "auth.second_factor_failed")))
    assert emails == [world.a.staff.email]


# --- the API -----------------------------------------------------------------------------------


def test_api_token_without_otp_answers_otp_required(app, world, client):
    enable_2fa(app, world.a.staff)

    response = client.post("/api/v1/auth/token", json={"agency": world.a.slug, "email": world.a.staff.email, "password": PASSWORD})

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "otp_required"
    assert "token" not in response.get_json()


def test_api_token_with_a_wrong_otp_is_refused(app, world, client):
    secret = enable_2fa(app, world.a.staff)

    response = client.post(
        "/api/v1/auth/token", json={"agency": world.a.slug, "email": world.a.staff.email, "password": PASSWORD, "otp": wrong_code(secret)}
    )

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_otp"


def test_api_token_with_a_valid_otp_is_issued(app, world, client):
    secret = enable_2fa(app, world.a.staff)

    response = client.post(
        "/api/v1/auth/token", json={"agency": world.a.slug, "email": world.a.staff.email, "password": PASSWORD, "otp": pyotp.TOTP(secret).now()}
    )

    assert response.status_code == 201, response.get_json()
    token = response.get_json()["token"]
    assert token.startswith("bl_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["two_factor_enabled"] is True


def test_api_token_refused_for_staff_without_2fa_when_the_agency_requires_it(app, world, client):
    require_staff_2fa(app, world.a.agency_id)

    response = client.post("/api/v1/auth/token", json={"agency": world.a.slug, "email": world.a.staff.email, "password": PASSWORD})

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "two_factor_setup_required"


# --- the agency requirement --------------------------------------------------------------------


def test_required_2fa_redirects_staff_without_it_to_setup(app, world, as_user):
    require_staff_2fa(app, world.a.agency_id)
    client = as_user(world.a.staff)

    response = client.get("/account")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/two-factor?required=1"
    setup = client.get("/account/two-factor?required=1")
    assert setup.status_code == 200


def test_required_2fa_sends_staff_to_setup_right_after_password_sign_in(app, world, client):
    require_staff_2fa(app, world.a.agency_id)

    response = password_step(client, world.a.slug, world.a.staff)

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/two-factor?required=1"
    assert client.get("/clients").headers["Location"] == "/account/two-factor?required=1"


def test_required_2fa_lets_staff_with_2fa_through(app, world, as_user):
    require_staff_2fa(app, world.a.agency_id)
    enable_2fa(app, world.a.staff)

    assert as_user(world.a.staff).get("/account").status_code == 200


def test_required_2fa_does_not_apply_to_client_users_or_other_agencies(app, world, as_user):
    require_staff_2fa(app, world.a.agency_id)

    assert as_user(world.a.client_member).get("/account").status_code == 200
    assert as_user(world.b.staff).get("/account").status_code == 200


def test_required_2fa_staff_can_complete_setup_and_then_work(app, world, as_user):
    require_staff_2fa(app, world.a.agency_id)
    client = as_user(world.a.staff)
    client.get("/account/two-factor")
    secret = pending_secret(app, world.a.staff)

    assert client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302

    assert client.get("/account").status_code == 200


def test_staff_cannot_turn_off_required_2fa(app, world, as_user):
    require_staff_2fa(app, world.a.agency_id)
    enable_2fa(app, world.a.staff)

    response = as_user(world.a.staff).post("/account/two-factor/disable", data={"password": PASSWORD})

    assert response.status_code == 403
    assert totp_enabled(app, world.a.staff)


def test_turning_off_2fa_needs_the_password(app, world, as_user):
    enable_2fa(app, world.a.staff)
    client = as_user(world.a.staff)

    wrong = client.post("/account/two-factor/disable", data={"password": "not my password"})
    assert wrong.status_code == 422
    assert totp_enabled(app, world.a.staff)

    right = client.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert right.status_code == 302
    assert not totp_enabled(app, world.a.staff)
    assert is_signed_in(client)


# --- guessing and replay -------------------------------------------------------------------------


def test_replaying_the_password_step_cookie_does_not_reset_the_wrong_code_count(app, world, client):
    secret = enable_2fa(app, world.a.staff)
    password_step(client, world.a.slug, world.a.staff)
    saved = client.get_cookie("session").value  # the cookie right after the password step
    limit = app.config["TOTP_MAX_FAILURES"]
    token = csrf_from(client, "/sign-in/verify")
    for _ in range(limit):
        client.set_cookie("session", saved)
        client.post("/sign-in/verify", data={"csrf_token": token, "code": wrong_code(secret)})

    client.set_cookie("session", saved)
    replayed = client.post("/sign-in/verify", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})

    assert replayed.status_code == 429
    assert "Retry-After" in replayed.headers
    assert not is_signed_in(client)
    # from another browser, after a fresh password step, the account is still held
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    password_step(other, world.a.slug, world.a.staff)
    assert code_step(other, pyotp.TOTP(secret).now()).status_code == 429
    assert not is_signed_in(other)


def _token_request(client, ref, otp, address):
    return client.post(
        "/api/v1/auth/token", environ_base={"REMOTE_ADDR": address}, json={"agency": "agency-a", "email": ref.email, "password": PASSWORD, "otp": otp}
    )


def test_api_wrong_codes_are_counted_per_account_then_refused_with_429(app, world, client):
    from tests.support.web import assert_error

    secret = enable_2fa(app, world.a.staff)
    statuses = []
    for n in range(40):  # each from another address: neither the per-address limit nor its backoff applies
        statuses.append(_token_request(client, world.a.staff, wrong_code(secret), f"203.0.113.{n}").status_code)

    right = _token_request(client, world.a.staff, pyotp.TOTP(secret).now(), "198.51.100.1")

    limit = app.config["TOTP_MAX_FAILURES"]
    assert statuses[: limit - 1] == [401] * (limit - 1)
    assert set(statuses[limit - 1 :]) == {429}
    error = assert_error(right, 429, "rate_limited")
    assert "Too many wrong codes" in error["message"]
    assert int(right.headers["Retry-After"]) > 0
    # another account of the agency is not held
    other_secret = enable_2fa(app, world.a.agency_admin)
    assert _token_request(client, world.a.agency_admin, pyotp.TOTP(other_secret).now(), "198.51.100.1").status_code == 201


def test_the_same_code_is_accepted_once(app, world, client):
    secret = enable_2fa(app, world.a.staff)
    with time_machine.travel(utcnow(), tick=False):
        code = pyotp.TOTP(secret).now()
        first = _token_request(client, world.a.staff, code, "198.51.100.1")
        second = _token_request(client, world.a.staff, code, "198.51.100.1")

        assert first.status_code == 201
        assert second.status_code == 401
        assert second.get_json()["error"]["code"] == "invalid_otp"
        assert "already used" in second.get_json()["error"]["message"]
        # nor on the page
        browser = app.test_client()
        password_step(browser, world.a.slug, world.a.staff)
        assert code_step(browser, code).status_code == 401
        assert not is_signed_in(browser)


def test_a_code_used_to_turn_on_two_factor_cannot_sign_in(app, world, as_user):
    client = as_user(world.a.staff)
    with time_machine.travel(utcnow(), tick=False):
        client.get("/account/two-factor")
        code = pyotp.TOTP(pending_secret(app, world.a.staff)).now()
        assert client.post("/account/two-factor", data={"code": code}).status_code == 302
        app.config["WTF_CSRF_ENABLED"] = True
        browser = app.test_client()
        password_step(browser, world.a.slug, world.a.staff)
        assert code_step(browser, code).status_code == 401
