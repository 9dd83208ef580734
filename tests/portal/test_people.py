"""The portal's People page: a client admin invites and manages their company's users; guard rails, isolation, audit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.models import Invitation, User
from app.core.audit import AuditEvent
from tests.support.web import tenant_db
from tests.worker.test_jobs import drain

PEOPLE = "/portal/people"


def _user(app, world, user_id) -> User:
    with tenant_db(app, world.a.agency_id) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        if user is not None:
            session.expunge(user)
        return user


def _by_email(app, world, email) -> User | None:
    with tenant_db(app, world.a.agency_id) as session:
        user = session.scalar(select(User).where(User.email == email))
        if user is not None:
            session.expunge(user)
        return user


def _audited(app, world, action, target_id) -> list[AuditEvent]:
    with tenant_db(app, world.a.agency_id) as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.target_id == str(target_id))))
        session.expunge_all()
        return rows


def _person_block(html: str, user_id) -> str:
    match = re.search(rf'<li class="list-group-item py-3" id="person-{user_id}">(.*?)</li>', html, re.S)
    assert match, f"no row for {user_id}"
    return match.group(1)


def test_client_admins_find_people_in_the_portal_navigation_and_see_their_company(app, world, as_user):
    boss = as_user(world.a.client_admin)
    home = boss.get("/portal").get_data(as_text=True)
    assert 'href="/portal/people"' in home and ">People</a>" in home
    assert 'href="/admin/users"' not in home  # the agency's user admin is not the client's way in
    response = boss.get(PEOPLE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1" in html and "People" in html and world.a.client_name in html
    me, clerk = _person_block(html, world.a.client_admin.id), _person_block(html, world.a.client_member.id)
    assert world.a.client_admin.name in me and "You" in me and "Client admin" in me and "Active" in me
    assert world.a.client_member.email in clerk and "Member" in clerk and "Last signed in" in clerk
    for foreign in (
        world.a.other_client_admin.email,
        world.a.invited.email,
        world.a.staff.email,
        world.a.agency_admin.email,
        world.b.client_admin.email,
    ):
        assert foreign not in html
    assert 'id="invite"' in html and 'name="client_admin"' in html  # the invitation form is on the page
    assert boss.get("/admin/users").headers["Location"].endswith(PEOPLE)  # the old address leads here


def test_inviting_resending_and_the_invitation_email(app, world, as_user, smtp):  # noqa: F811
    boss = as_user(world.a.client_admin)
    response = boss.post(f"{PEOPLE}/invite", data={"name": "Nina Payroll", "email": "Nina@One.Test", "client_admin": "y"})
    assert response.status_code == 302
    nina = _by_email(app, world, "nina@one.test")
    assert (nina.role, nina.client_id, nina.status) == ("client_admin", world.a.client_id, "invited")
    assert _audited(app, world, "user.invited", nina.id)
    drain(app)
    [invitation_email] = smtp.inbox.to("nina@one.test")
    assert "invited" in invitation_email["Subject"]
    html = boss.get(PEOPLE).get_data(as_text=True)
    row = _person_block(html, nina.id)
    assert "Invited" in row and "Resend invitation" in row
    assert boss.post(f"{PEOPLE}/{nina.id}/resend").status_code == 302
    assert _audited(app, world, "user.invitation_resent", nina.id)
    with tenant_db(app, world.a.agency_id) as session:
        links = session.scalars(select(Invitation).where(Invitation.user_id == nina.id)).all()
        assert len(links) == 2 and sum(link.revoked_at is None for link in links) == 1
    drain(app)
    assert len(smtp.inbox.to("nina@one.test")) == 2
    # a member is invited by leaving the box unticked
    assert boss.post(f"{PEOPLE}/invite", data={"name": "Max Member", "email": "max@one.test"}).status_code == 302
    assert _by_email(app, world, "max@one.test").role == "client_member"


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"name": "", "email": "x@one.test"}, "name", "Enter the person&#39;s name."),
        ({"name": "X", "email": "not-an-address"}, "email", "The email address is not valid."),
        ({"name": "X", "email": "clerk@a-one.test"}, "email", "Someone in this workspace already uses that email."),
    ],
)
def test_bad_invitations_show_the_error_beside_the_field_and_change_nothing(app, world, as_user, form, field, message):
    boss = as_user(world.a.client_admin)
    response = boss.post(f"{PEOPLE}/invite", data=form)
    assert response.status_code in (409, 422)
    html = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in html and 'aria-invalid="true"' in html  # beside the field
    assert message in html
    if form["email"] != "clerk@a-one.test":
        assert _by_email(app, world, form["email"]) is None


def test_deactivating_reactivating_and_choosing_client_admins(app, world, as_user):
    boss = as_user(world.a.client_admin)
    clerk = world.a.client_member
    assert boss.post(f"{PEOPLE}/{clerk.id}/deactivate").status_code == 302
    assert _user(app, world, clerk.id).status == "deactivated"
    row = _person_block(boss.get(PEOPLE).get_data(as_text=True), clerk.id)
    assert "Deactivated" in row and "Reactivate" in row
    assert boss.post(f"{PEOPLE}/{clerk.id}/reactivate").status_code == 302
    assert _user(app, world, clerk.id).status == "active"
    assert boss.post(f"{PEOPLE}/{clerk.id}/role", data={"role": "client_admin"}).status_code == 302
    assert _user(app, world, clerk.id).role == "client_admin"
    assert boss.post(f"{PEOPLE}/{clerk.id}/role", data={"role": "client_member"}).status_code == 302
    assert _user(app, world, clerk.id).role == "client_member"
    for action in ("user.deactivated", "user.reactivated"):
        [event] = _audited(app, world, action, clerk.id)
        assert event.actor_id == world.a.client_admin.id
    changes = [(e.details["old"], e.details["new"]) for e in _audited(app, world, "user.role_changed", clerk.id)]
    assert sorted(changes) == [("client_admin", "client_member"), ("client_member", "client_admin")]
    refused = boss.post(f"{PEOPLE}/{clerk.id}/role", data={"role": "staff"})
    assert refused.status_code == 422 and _user(app, world, clerk.id).role == "client_member"


def test_the_last_active_client_admin_cannot_step_down_or_leave(app, world, as_user):
    boss = as_user(world.a.client_admin)
    me = world.a.client_admin.id
    for path, data in ((f"{PEOPLE}/{me}/role", {"role": "client_member"}), (f"{PEOPLE}/{me}/deactivate", {})):
        response = boss.post(path, data=data)
        assert response.status_code == 422
        assert "needs at least one active client admin" in response.get_data(as_text=True)
        assert (_user(app, world, me).role, _user(app, world, me).status) == ("client_admin", "active")
    assert not _audited(app, world, "user.role_changed", me) and not _audited(app, world, "user.deactivated", me)
    # an invited (not yet active) admin does not count
    boss.post(f"{PEOPLE}/invite", data={"name": "Not Yet", "email": "notyet@one.test", "client_admin": "y"})
    assert boss.post(f"{PEOPLE}/{me}/role", data={"role": "client_member"}).status_code == 422
    # with a second active admin, stepping down works and this browser stays signed in as a member
    assert boss.post(f"{PEOPLE}/{world.a.client_member.id}/role", data={"role": "client_admin"}).status_code == 302
    response = boss.post(f"{PEOPLE}/{me}/role", data={"role": "client_member"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal")
    assert _user(app, world, me).role == "client_member"
    assert boss.get("/portal").status_code == 200 and boss.get(PEOPLE).status_code == 403


def test_a_client_admin_may_leave_while_another_admin_remains(app, world, as_user):
    boss = as_user(world.a.client_admin)
    assert boss.post(f"{PEOPLE}/{world.a.client_member.id}/role", data={"role": "client_admin"}).status_code == 302
    response = boss.post(f"{PEOPLE}/{world.a.client_admin.id}/deactivate")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert _user(app, world, world.a.client_admin.id).status == "deactivated"
    assert boss.get("/portal").status_code == 302  # signed out


def test_another_clients_or_agencys_users_are_not_found_and_nothing_changes(app, world, as_user):
    boss = as_user(world.a.client_admin)
    foreign = [
        world.a.other_client_admin.id,
        world.a.invited.id,
        world.a.staff.id,
        world.a.agency_admin.id,
        world.b.client_admin.id,
        world.b.client_member.id,
    ]
    for user_id in foreign:
        for path, data in (("deactivate", {}), ("reactivate", {}), ("resend", {}), ("role", {"role": "client_admin"})):
            assert boss.post(f"{PEOPLE}/{user_id}/{path}", data=data).status_code == 404, (user_id, path)
    for ref in (world.a.other_client_admin, world.a.invited, world.a.staff, world.a.agency_admin):
        user = _user(app, world, ref.id)
        assert user.deactivated_at is None and user.role == ref.role
    with tenant_db(app, world.b.agency_id) as session:
        theirs = session.scalar(select(User).where(User.id == world.b.client_admin.id))
        assert theirs.deactivated_at is None and theirs.role == "client_admin"
    with tenant_db(app, world.a.agency_id) as session:
        assert (
            session.scalar(
                select(AuditEvent).where(
                    AuditEvent.action.in_(("user.deactivated", "user.reactivated", "user.role_changed", "user.invitation_resent"))
                )
            )
            is None
        )


@pytest.mark.parametrize("role", ["client_member", "staff", "agency_admin"])
def test_only_client_admins_use_the_people_page(app, world, as_user, role):
    user = as_user(getattr(world.a, role))
    assert user.get(PEOPLE).status_code == 403
    assert user.post(f"{PEOPLE}/invite", data={"name": "Sneaky", "email": "sneaky@one.test"}).status_code == 403
    assert user.post(f"{PEOPLE}/{world.a.client_admin.id}/deactivate").status_code == 403
    assert user.post(f"{PEOPLE}/{world.a.client_member.id}/role", data={"role": "client_admin"}).status_code == 403
    assert _by_email(app, world, "sneaky@one.test") is None
    assert _user(app, world, world.a.client_admin.id).status == "active"
    assert _user(app, world, world.a.client_member.id).role == "client_member"
    if role == "client_member":
        assert ">People</a>" not in user.get("/portal").get_data(as_text=True)


def test_the_people_page_needs_the_csrf_token(app, world, as_user):
    boss = as_user(world.a.client_admin)
    app.config["WTF_CSRF_ENABLED"] = True
    assert boss.post(f"{PEOPLE}/{world.a.client_member.id}/deactivate").status_code == 400
    assert _user(app, world, world.a.client_member.id).status == "active"


TAKEN = ["clerk@a-one.test", "staff@a.test", "admin@a.test", "boss@a-two.test", "invited@a-two.test"]


@pytest.mark.parametrize("email", TAKEN)
def test_an_email_used_anywhere_in_the_agency_gets_the_same_answer_whoever_holds_it(app, world, as_user, email):
    boss = as_user(world.a.client_admin)
    page = boss.post(f"{PEOPLE}/invite", data={"name": "Someone", "email": email.upper()})
    assert page.status_code == 409, page.get_data(as_text=True)[-3000:]
    assert "Someone in this workspace already uses that email." in page.get_data(as_text=True)
    api = boss.post("/api/v1/users", json={"name": "Someone", "email": email, "role": "client_member", "client_id": str(world.a.client_id)})
    assert api.status_code == 409, api.get_json()
    assert api.get_json()["error"] == {
        "code": "conflict",
        "message": "Someone in this workspace already uses that email.",
        "fields": {"email": ["Already in use."]},
    }
    admin = as_user(world.a.agency_admin)
    staff_invite = admin.post("/api/v1/users", json={"name": "Someone", "email": email, "role": "staff"})
    assert staff_invite.status_code == 409 and staff_invite.get_json() == api.get_json()
    with tenant_db(app, world.a.agency_id) as session:
        assert session.query(User).filter(User.email == email).count() == 1


def test_an_email_of_another_agency_is_free_to_invite(app, world, as_user):
    boss = as_user(world.a.client_admin)
    assert boss.post(f"{PEOPLE}/invite", data={"name": "Shared", "email": "staff@b.test"}).status_code == 302
