"""Each notification kind declares its audience: client users see and receive only theirs, with portal links."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.notifications import services
from app.notifications.models import AUDIENCES, CLIENT, KIND_HELP, KIND_LABELS, KINDS, STAFF, NotificationPreference
from app.work.models import Task
from tests.notifications.conftest import acting, in_agency, load, notes_of

STAFF_ONLY = {"Assigned to me", "Mentions", "Client comments", "SLA warnings", "SLA breaches", "Approval decisions", "Client uploads"}


def test_every_kind_declares_its_audience_label_and_explanation():
    assert set(AUDIENCES) == set(KINDS) == set(KIND_LABELS) == set(KIND_HELP)
    for kind, audience in AUDIENCES.items():
        assert audience and audience <= {STAFF, CLIENT}, kind
    assert {k for k, a in AUDIENCES.items() if CLIENT in a} == {"status_changed", "agency_commented", "document_requested", "approval_requested"}


def _labels_on(html: str) -> set[str]:
    return set(re.findall(r'<div class="fw-semibold" id="[a-z_]+-label">([^<]+)</div>', html))


def test_client_users_choose_only_the_emails_they_can_get(app, world, as_user):
    for role in ("client_admin", "client_member"):
        html = as_user(getattr(world.a, role)).get("/notifications/preferences").get_data(as_text=True)
        assert _labels_on(html) == {"Status changes", "Replies from the agency", "Document requests", "Approvals asked of me"}, role
        assert "A request of your company moves on" in html  # explained in the client's words
    staff_html = as_user(world.a.staff).get("/notifications/preferences").get_data(as_text=True)
    assert _labels_on(staff_html) == STAFF_ONLY | {"Status changes"}


def test_a_client_users_form_cannot_set_a_staff_kind(app, world, as_user):
    boss = as_user(world.a.client_admin)
    response = boss.post("/notifications/preferences", data={"assigned-email": "y", "agency_commented-in_app": "y"})
    assert response.status_code == 302
    with in_agency(app, world.a.agency_id) as session:
        rows = {
            r.kind: (r.in_app, r.email)
            for r in session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == world.a.client_admin.id))
        }
    assert rows == {
        "status_changed": (False, False),
        "agency_commented": (True, False),
        "document_requested": (False, False),
        "approval_requested": (False, False),
    }


def test_the_portal_account_menu_and_account_page_lead_to_email_preferences(world, as_user):
    boss = as_user(world.a.client_member)
    home = boss.get("/portal").get_data(as_text=True)
    menu = home[home.index('class="dropdown-menu dropdown-menu-lg-end"') :]
    assert 'href="/notifications/preferences"' in menu[: menu.index("</ul>")] and "Email preferences" in menu
    assert 'href="/notifications/preferences"' in boss.get("/account").get_data(as_text=True)
    kinds_filter = boss.get("/notifications").get_data(as_text=True)
    assert "Replies from the agency" in kinds_filter and "SLA breaches" not in kinds_filter


def test_notify_skips_people_outside_the_kinds_audience_and_gives_client_users_portal_links(app, world):
    with acting(app, world.a.agency_admin) as admin:
        task = db.session.scalar(select(Task).where(Task.id == world.a.task_id))
        boss, staff = load(world.a.client_admin), load(world.a.staff)
        assert services.notify("assigned", [boss], title="x", url="/tasks/x", actor=admin) == []
        assert services.notify("agency_commented", [staff], title="x", client_url="/portal/requests/x", actor=admin) == []
        told = services.notify(
            "status_changed", [boss, staff], title="moved", url=f"/tasks/{task.id}", client_url=f"/portal/requests/{task.id}", task=task, actor=admin
        )
        assert {n.user_id: n.url for n in told} == {boss.id: f"/portal/requests/{task.id}", staff.id: f"/tasks/{task.id}"}
        [no_link] = services.notify("status_changed", [boss], title="moved", url=f"/tasks/{task.id}", task=task, actor=admin)
        assert no_link.url is None  # never a staff link for a client user
    assert {n.title for n in notes_of(app, world.a.client_admin)} >= {"moved"}
