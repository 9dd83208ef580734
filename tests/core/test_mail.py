"""Account emails travel over real SMTP, and their links work."""

import re

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from tenants.context import TenantContext, set_tenant
from tests.worker.test_jobs import drain


def _body(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_invitation_email_arrives_over_smtp_with_a_working_link(app, world, smtp, as_user):
    admin = as_user(world.a.agency_admin)
    response = admin.post("/api/v1/users", json={"email": "new.hire@a.test", "name": "New Hire", "role": "staff"})
    assert response.status_code == 201
    drain(app)
    [message] = smtp.inbox.to("new.hire@a.test")
    assert message["Subject"] == "You're invited to Agency A on Backline"
    text, html = _body(message)
    assert "A Admin has invited you" in text and "agency-a" in text
    link = re.search(r"http://backline\.test(/invitations/\S+)", text).group(1)
    assert link in html

    visitor = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    opened = visitor.get(link)
    assert opened.status_code == 302 and opened.headers["Location"] == "/invitations/accept"
    assert visitor.get("/invitations/accept").status_code == 200
    done = visitor.post("/invitations/accept", data={"name": "New Hire", "password": "a long new password", "confirm": "a long new password"})
    assert done.status_code == 302
    with app.app_context():
        set_tenant(TenantContext(agency_id=world.a.agency_id))
        user = db.session.scalar(select(User).where(User.email == "new.hire@a.test"))
        assert user.status == "active"


def test_password_reset_email_arrives_over_smtp(app, world, smtp):
    app.config["WTF_CSRF_ENABLED"] = False
    visitor = app.test_client()
    response = visitor.post("/password/forgot", data={"workspace": "agency-a", "email": world.a.staff.email})
    assert response.status_code == 200
    visitor.post("/password/forgot", data={"workspace": "agency-a", "email": "nobody@a.test"})
    drain(app)
    assert smtp.inbox.to("nobody@a.test") == []
    [message] = smtp.inbox.to(world.a.staff.email)
    assert message["Subject"] == "Reset your Agency A password"
    text, _ = _body(message)
    assert re.search(r"http://backline\.test/password/reset/\S+", text)
    assert "expires on" in text
