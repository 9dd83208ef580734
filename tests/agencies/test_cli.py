"""`flask tenants`: create, list, suspend and resume agencies."""

import re

from sqlalchemy import select

from app.accounts.models import Invitation, User
from app.extensions import db
from tenants.context import TenantContext, set_tenant
from tenants.models import Agency


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["tenants", *args])


def test_create_agency_prints_a_one_time_link_for_the_first_admin(app):
    result = _run(app, "create-agency", "Lighthouse Payroll", "--slug", "lighthouse", "--admin-email", "owner@lighthouse.example")
    assert result.exit_code == 0, result.output
    link = re.search(r"http://backline\.test/invitations/\S+", result.output).group(0)
    with app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.slug == "lighthouse"))
        set_tenant(TenantContext(agency_id=agency.id))
        admin = db.session.scalar(select(User))
        assert (admin.email, admin.role, admin.status) == ("owner@lighthouse.example", "agency_admin", "invited")
        assert db.session.scalar(select(Invitation).where(Invitation.user_id == admin.id)) is not None
    app.config["WTF_CSRF_ENABLED"] = False
    visitor = app.test_client()
    path = link.removeprefix("http://backline.test")
    assert visitor.get(path).headers["Location"] == "/invitations/accept"
    done = visitor.post("/invitations/accept", data={"name": "Owner", "password": "lighthouse-secret", "confirm": "lighthouse-secret"})
    assert done.status_code == 302
    assert visitor.get("/").status_code == 200


def test_create_agency_refuses_a_taken_or_bad_slug(app, world):
    taken = _run(app, "create-agency", "Copy", "--slug", world.a.slug, "--admin-email", "x@copy.example")
    assert taken.exit_code != 0 and "already exists" in taken.output
    bad = _run(app, "create-agency", "Bad", "--slug", "Not A Slug!", "--admin-email", "x@bad.example")
    assert bad.exit_code != 0 and "slug" in bad.output
    with app.app_context():
        assert db.session.scalar(select(Agency).where(Agency.name.in_(["Copy", "Bad"]))) is None


def test_list_suspend_and_resume(app, world):
    listing = _run(app, "list")
    assert "agency-a" in listing.output and "agency-b" in listing.output and "active" in listing.output
    assert _run(app, "suspend", "agency-a").exit_code == 0
    assert re.search(r"agency-a\s+suspended\s+7", _run(app, "list").output)
    app.config["WTF_CSRF_ENABLED"] = False
    visitor = app.test_client()
    from tests.support.factories import PASSWORD

    refused = visitor.post("/sign-in", data={"workspace": "agency-a", "email": world.a.staff.email, "password": PASSWORD})
    assert refused.status_code == 401
    assert _run(app, "resume", "agency-a").exit_code == 0
    accepted = visitor.post("/sign-in", data={"workspace": "agency-a", "email": world.a.staff.email, "password": PASSWORD})
    assert accepted.status_code == 302
    assert _run(app, "suspend", "nope").exit_code != 0


def test_sessions_of_a_suspended_agency_stop_working(app, world, as_user):
    staff = as_user(world.a.staff)
    assert staff.get("/api/v1/me").status_code == 200
    _run(app, "suspend", "agency-a")
    assert staff.get("/api/v1/me").status_code == 401
