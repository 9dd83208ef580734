"""Emailed links: invitations and password resets work once, expire, and cannot be forged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts import passwords, services
from app.accounts.models import Invitation, PasswordReset, User
from app.core.types import utcnow
from app.extensions import db
from tests.support.factories import PASSWORD
from tests.support.web import csrf_from, sign_in, tenant_db

PUBLIC_URL = "http://backline.test"
NEW_PASSWORD = "a brand new passphrase"


def is_signed_in_as(client) -> str | None:
    response = client.get("/api/v1/me")
    assert response.status_code in (200, 401)
    return response.get_json()["email"] if response.status_code == 200 else None


def tampered(token: str) -> str:
    """The token with one character in the middle of its signature changed (a full six bits of it)."""
    payload, _, signature = token.rpartition(".")
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    return f"{payload}.{signature[:middle]}{swapped}{signature[middle + 1 :]}"


def forged(kind: str, agency_id, row_id) -> str:
    """A well-formed link token signed with a key that is not the application's."""
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer("not-the-secret-key", salt=f"backline-{kind}").dumps({"a": str(agency_id), "i": str(row_id)})


def link_path(url: str) -> str:
    assert url.startswith(PUBLIC_URL + "/")
    return url[len(PUBLIC_URL) :]


def invite(app, world, as_user, email="newcomer@a.test", role="staff") -> tuple[str, object]:
    """Invite through the API as agency A's admin; returns the invitation's path and the new user's id."""
    response = as_user(world.a.agency_admin).post("/api/v1/users", json={"email": email, "name": "Newcomer", "role": role})
    assert response.status_code == 201, response.get_json()
    app.config["WTF_CSRF_ENABLED"] = True
    user_id = response.get_json()["id"]
    with tenant_db(app, world.a.agency_id) as session:
        invitation = session.scalar(select(Invitation).where(Invitation.user_id == User.id, User.email == email))
        path = link_path(services.invitation_url(invitation))
    return path, user_id


def open_link(client, path) -> str:
    """Follow an emailed link: it answers a redirect to a token-free page; returns that page's path."""
    response = client.get(path)
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert path.rsplit("/", 1)[1] not in location
    return location


def accept(client, path, password=NEW_PASSWORD, name="Newcomer Person"):
    form = open_link(client, path)
    return client.post(form, data={"csrf_token": csrf_from(client, form), "name": name, "password": password, "confirm": password})


def set_new_password(client, path, password=NEW_PASSWORD):
    form = open_link(client, path)
    return client.post(form, data={"csrf_token": csrf_from(client, form), "password": password, "confirm": password})


def request_reset(client, workspace, email):
    return client.post("/password/forgot", data={"csrf_token": csrf_from(client, "/password/forgot"), "workspace": workspace, "email": email})


def resets_of(app, ref) -> list[PasswordReset]:
    with tenant_db(app, ref.agency_id) as session:
        rows = list(session.scalars(select(PasswordReset).where(PasswordReset.user_id == ref.id).order_by(PasswordReset.created_at)))
        session.expunge_all()
    return rows


def reset_path(app, reset: PasswordReset) -> str:
    with app.app_context():
        return link_path(services.reset_url(reset))


def new_reset_path(app, client, world, ref) -> str:
    before = {row.id for row in resets_of(app, ref)}
    assert request_reset(client, world.a.slug, ref.email).status_code == 200
    created = [row for row in resets_of(app, ref) if row.id not in before]
    assert len(created) == 1
    return reset_path(app, created[0])


# --- invitations -------------------------------------------------------------------------------


def test_invitation_sets_the_password_and_signs_in(app, world, as_user, client):
    path, user_id = invite(app, world, as_user)

    page = client.get(open_link(client, path))
    assert page.status_code == 200
    assert world.a.name in page.get_data(as_text=True)
    response = accept(client, path)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert is_signed_in_as(client) == "newcomer@a.test"
    assert client.get_cookie("backline_workspace").value == world.a.slug
    with tenant_db(app, world.a.agency_id) as session:
        user = session.scalar(select(User).where(User.email == "newcomer@a.test"))
        assert user.status == "active"
        assert user.name == "Newcomer Person"
        assert passwords.verify_password(user.password_hash, NEW_PASSWORD)
        assert session.scalar(select(Invitation.accepted_at).where(Invitation.user_id == user.id)) is not None
    other = app.test_client()
    assert sign_in(other, world.a.slug, "newcomer@a.test", NEW_PASSWORD).status_code == 302


def test_invitation_works_only_once(app, world, as_user, client):
    path, _ = invite(app, world, as_user)
    assert accept(client, path).status_code == 302

    stranger = app.test_client()
    again = stranger.get(path)
    replay = stranger.post(
        "/invitations/accept",
        data={"csrf_token": csrf_from(stranger, "/sign-in"), "name": "Attacker", "password": "attacker password", "confirm": "attacker password"},
    )

    assert again.status_code == 410
    assert "expired or was already used" in again.get_data(as_text=True)
    assert replay.status_code == 410
    # the browser that used it cannot use it again either
    assert client.get(path).status_code == 410
    assert client.get("/invitations/accept").status_code == 410
    assert is_signed_in_as(stranger) is None
    assert sign_in(app.test_client(), world.a.slug, "newcomer@a.test", NEW_PASSWORD).status_code == 302


def test_expired_invitation_answers_410(app, world, as_user, client):
    path, user_id = invite(app, world, as_user)
    with tenant_db(app, world.a.agency_id) as session:
        for row in session.scalars(select(Invitation)):
            row.expires_at = utcnow() - timedelta(minutes=1)

    response = client.get(path)

    assert response.status_code == 410
    posted = client.post(
        "/invitations/accept", data={"csrf_token": csrf_from(client, "/sign-in"), "name": "Late", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert posted.status_code == 410
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(User.password_hash).where(User.email == "newcomer@a.test")) is None


def test_tampered_invitation_token_answers_404(app, world, as_user, client):
    path, _ = invite(app, world, as_user)
    token = path.rsplit("/", 1)[1]
    with tenant_db(app, world.a.agency_id) as session:
        invitation_id = session.scalar(select(Invitation.id).where(Invitation.accepted_at.is_(None), Invitation.user_id != world.a.invited.id))

    assert client.get(f"/invitations/{tampered(token)}").status_code == 404
    assert client.get(f"/invitations/{forged('invite', world.a.agency_id, invitation_id)}").status_code == 404
    assert client.get("/invitations/not-a-token").status_code == 404
    assert client.get(path).status_code == 302


def test_a_reset_token_is_not_an_invitation(app, world, client):
    path = reset_path(app, resets_of(app, world.a.other_client_admin)[0])
    token = path.rsplit("/", 1)[1]

    assert client.get(f"/invitations/{token}").status_code == 404


def test_resending_an_invitation_retires_the_old_link(app, world, as_user, client):
    old_path, user_id = invite(app, world, as_user)
    app.config["WTF_CSRF_ENABLED"] = False
    assert as_user(world.a.agency_admin).post(f"/admin/users/{user_id}/resend").status_code == 302

    assert client.get(old_path).status_code == 410


def test_invitation_refuses_a_weak_password_and_stays_usable(app, world, as_user, client):
    path, _ = invite(app, world, as_user)

    weak = accept(client, path, password="short")

    assert weak.status_code == 422
    assert is_signed_in_as(client) is None
    assert accept(client, path).status_code == 302


def test_invitation_of_a_suspended_agency_is_not_valid(app, world, as_user, client):
    from app.agencies.services import set_suspended

    path, _ = invite(app, world, as_user)
    with app.app_context():
        set_suspended(world.a.slug, True)
        db.session.commit()

    assert client.get(path).status_code == 404


# --- password resets ---------------------------------------------------------------------------


def test_forgot_password_answers_the_same_for_known_and_unknown_emails(app, world, client):
    known = request_reset(client, world.a.slug, world.a.staff.email)
    unknown = request_reset(app.test_client(), world.a.slug, "nobody@a.test")
    no_workspace = request_reset(app.test_client(), "no-such-agency", world.a.staff.email)

    assert known.status_code == unknown.status_code == no_workspace.status_code == 200
    known_body = known.get_data(as_text=True).replace(world.a.staff.email, "EMAIL")
    assert known_body == unknown.get_data(as_text=True).replace("nobody@a.test", "EMAIL")
    assert known_body == no_workspace.get_data(as_text=True).replace(world.a.staff.email, "EMAIL")
    assert "Check your email" in known_body


def test_only_an_existing_active_user_gets_a_reset_row(app, world, client):
    with tenant_db(app, world.a.agency_id) as session:
        before = session.scalar(select(func.count()).select_from(PasswordReset))

    request_reset(client, world.a.slug, world.a.staff.email)
    request_reset(client, world.a.slug, "nobody@a.test")
    request_reset(client, world.a.slug, world.a.invited.email)
    request_reset(client, world.b.slug, world.a.staff.email)

    with tenant_db(app, world.a.agency_id) as session:
        rows = list(session.scalars(select(PasswordReset.user_id)))
    assert len(rows) == before + 1
    assert rows.count(world.a.staff.id) == 1


def test_reset_link_sets_a_new_password_once(app, world, client):
    path = new_reset_path(app, client, world, world.a.staff)

    form = open_link(client, path)
    assert form == "/password/reset"
    assert client.get(form).status_code == 200
    response = client.post(form, data={"csrf_token": csrf_from(client, form), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?workspace={world.a.slug}"
    assert client.get(path).status_code == 410
    assert sign_in(app.test_client(), world.a.slug, world.a.staff.email, PASSWORD).status_code == 401
    fresh = app.test_client()
    assert sign_in(fresh, world.a.slug, world.a.staff.email, NEW_PASSWORD).status_code == 302
    assert is_signed_in_as(fresh) == world.a.staff.email


def test_reset_invalidates_the_users_older_sessions(app, world, as_user, client):
    old_session = as_user(world.a.staff)
    assert is_signed_in_as(old_session) == world.a.staff.email
    app.config["WTF_CSRF_ENABLED"] = True
    path = new_reset_path(app, client, world, world.a.staff)

    set_new_password(client, path)

    assert is_signed_in_as(old_session) is None


def test_using_one_reset_link_retires_the_others(app, world, client):
    first = new_reset_path(app, client, world, world.a.staff)
    second = new_reset_path(app, client, world, world.a.staff)

    set_new_password(client, second)

    assert client.get(first).status_code == 410


def test_expired_reset_link_answers_410(app, world, client):
    path = new_reset_path(app, client, world, world.a.staff)
    with tenant_db(app, world.a.agency_id) as session:
        for row in session.scalars(select(PasswordReset).where(PasswordReset.user_id == world.a.staff.id)):
            row.expires_at = utcnow() - timedelta(seconds=1)

    assert client.get(path).status_code == 410
    posted = client.post("/password/reset", data={"csrf_token": csrf_from(client, "/sign-in"), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert posted.status_code == 410
    assert sign_in(app.test_client(), world.a.slug, world.a.staff.email, PASSWORD).status_code == 302


def test_tampered_reset_token_answers_404(app, world, client):
    path = new_reset_path(app, client, world, world.a.staff)
    token = path.rsplit("/", 1)[1]

    assert client.get(f"/password/reset/{tampered(token)}").status_code == 404
    assert client.get("/password/reset/garbage").status_code == 404
    assert client.get(path).status_code == 302


def test_reset_refuses_a_weak_password_and_stays_usable(app, world, client):
    path = new_reset_path(app, client, world, world.a.staff)

    weak = set_new_password(client, path, "short")

    assert weak.status_code == 422
    assert client.get("/password/reset").status_code == 200
    assert sign_in(app.test_client(), world.a.slug, world.a.staff.email, PASSWORD).status_code == 302


def test_reset_link_of_a_deactivated_user_is_not_valid(app, world, client):
    path = new_reset_path(app, client, world, world.a.staff)
    with tenant_db(app, world.a.agency_id) as session:
        session.scalar(select(User).where(User.id == world.a.staff.id)).deactivated_at = utcnow()

    assert client.get(path).status_code == 404


# --- tokens stay out of addresses --------------------------------------------------------------


def test_reset_link_is_exchanged_for_a_token_free_page(app, world, client):
    path = new_reset_path(app, client, world, world.a.staff)
    token = path.rsplit("/", 1)[1]

    opened = client.get(path)

    assert opened.status_code == 302
    assert opened.headers["Location"] == "/password/reset"
    assert token not in opened.headers["Location"]
    cookie_header = next(v for v in opened.headers.getlist("Set-Cookie") if v.startswith("backline_reset="))
    assert "HttpOnly" in cookie_header and "SameSite=Lax" in cookie_header and "Path=/password/reset" in cookie_header
    form = client.get("/password/reset")
    assert form.status_code == 200
    assert token not in form.get_data(as_text=True)  # the form posts to the token-free address
    assert 'action="/password/reset"' in form.get_data(as_text=True)
    done = client.post(
        "/password/reset", data={"csrf_token": csrf_from(client, "/password/reset"), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert sign_in(app.test_client(), world.a.slug, world.a.staff.email, NEW_PASSWORD).status_code == 302
    # used: neither the link nor the page takes it again, in this browser or another
    assert client.get(path).status_code == 410
    assert client.get("/password/reset").status_code == 410
    assert app.test_client().get(path).status_code == 410


def test_token_free_pages_need_an_opened_link(app, world, client):
    new_reset_path(app, client, world, world.a.staff)

    assert client.get("/password/reset").status_code == 410
    assert client.get("/invitations/accept").status_code == 410
    client.set_cookie("backline_reset", "forged-state", path="/password/reset")
    assert client.get("/password/reset").status_code == 410


def test_the_exchanged_state_is_short_lived(app, world, client):
    import time_machine

    path = new_reset_path(app, client, world, world.a.staff)
    with time_machine.travel(utcnow(), tick=False) as clock:
        open_link(client, path)
        assert client.get("/password/reset").status_code == 200
        clock.shift(timedelta(minutes=app.config["LINK_STATE_MINUTES"], seconds=1))
        assert client.get("/password/reset").status_code == 410


def test_invitation_link_is_exchanged_for_a_token_free_page(app, world, as_user, client):
    path, _ = invite(app, world, as_user)
    token = path.rsplit("/", 1)[1]

    form = open_link(client, path)

    assert form == "/invitations/accept"
    page = client.get(form)
    assert page.status_code == 200 and token not in page.get_data(as_text=True)
    assert accept(client, path).status_code == 302
    assert is_signed_in_as(client) == "newcomer@a.test"
    assert client.get(path).status_code == 410


# --- API tokens and password changes -------------------------------------------------------------


def _token_for(app, client, ref) -> str:
    response = client.post("/api/v1/auth/token", json={"agency": ref_slug(ref), "email": ref.email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def ref_slug(ref) -> str:
    return "agency-a" if ref.email.endswith("@a.test") else "agency-b"


def token_works(client, token) -> bool:
    status = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code
    assert status in (200, 401)
    return status == 200


def test_a_password_reset_revokes_the_users_api_tokens(app, world, client):
    token = _token_for(app, app.test_client(), world.a.staff)
    other = _token_for(app, app.test_client(), world.a.agency_admin)
    assert token_works(app.test_client(), token)
    path = new_reset_path(app, client, world, world.a.staff)

    done = set_new_password(client, path)

    assert done.status_code == 302
    landing = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "your API tokens were revoked" in landing
    assert not token_works(app.test_client(), token)
    assert token_works(app.test_client(), other)


def _change_password(client, revoke: bool):
    data = {"csrf_token": csrf_from(client, "/account"), "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    if revoke:
        data["revoke_tokens"] = "y"
    return client.post("/account/password", data=data)


def test_a_password_change_keeps_api_tokens_and_says_so(app, world, as_user):
    token = _token_for(app, app.test_client(), world.a.staff)
    client = as_user(world.a.staff)
    app.config["WTF_CSRF_ENABLED"] = True

    done = _change_password(client, revoke=False)

    assert done.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "Your API tokens still work." in page
    assert token_works(app.test_client(), token)


def test_a_password_change_can_revoke_api_tokens(app, world, as_user):
    token = _token_for(app, app.test_client(), world.a.staff)
    client = as_user(world.a.staff)
    app.config["WTF_CSRF_ENABLED"] = True

    done = _change_password(client, revoke=True)

    assert done.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "your API tokens were revoked (1 token)" in page
    assert not token_works(app.test_client(), token)
    assert is_signed_in_as(client) == world.a.staff.email
