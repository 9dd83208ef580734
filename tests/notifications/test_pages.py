"""The notifications page, marking read, the navbar badge and the preferences page, for agency and client users."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.core.types import utcnow
from app.notifications.models import Notification, NotificationPreference
from tests.notifications.conftest import in_agency, notes_of


def _add(app, ref, count=1, **values) -> list:
    """Notifications for `ref`, one minute apart (the last one newest)."""
    start = utcnow() - timedelta(hours=1)
    ids = []
    with in_agency(app, ref.agency_id) as session:
        for i in range(count):
            note = Notification(
                user_id=ref.id,
                client_id=ref.client_id,
                kind=values.get("kind", "assigned"),
                title=values.get("title", f"Note {i:03d}"),
                url=values.get("url"),
                body=values.get("body"),
                task_reference=values.get("task_reference"),
                client_name=values.get("client_name"),
                created_at=start + timedelta(minutes=i),
                read_at=values.get("read_at"),
            )
            session.add(note)
            session.flush()
            ids.append(note.id)
    return ids


def _badge(html: str) -> str | None:
    match = re.search(r'id="unread-notifications">(\d+)<', html)
    return match.group(1) if match else None


def test_list_shows_newest_first_with_unread_highlighted_and_the_badge(app, world, as_user):
    [old] = _add(app, world.a.staff, title="Older and read", read_at=utcnow())
    [new] = _add(
        app,
        world.a.staff,
        title="BK-1042 assigned to you: Month-end close",
        task_reference="BK-1042",
        client_name="A Client One",
        url=f"/tasks/{world.a.task_id}",
        body="Please start today.",
    )
    page = as_user(world.a.staff).get("/notifications")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.index("BK-1042 assigned to you") < html.index("Older and read")
    item = html[html.index("BK-1042 assigned to you") - 1500 : html.index("BK-1042 assigned to you")]
    assert "notification-unread" in item and "A Client One" in item
    assert html.count("notification-unread") == 2  # the world's own unread notification and the new one
    assert _badge(html) == "2"
    assert f"/notifications/{new}/read" in html  # the title posts "read" and follows the link to the task
    assert f"/notifications/{old}/read" not in html  # read, and with no link: nothing to press


def test_badge_is_absent_when_everything_is_read_and_for_visitors(app, world, as_user, client):
    staff = as_user(world.a.staff)
    assert staff.post("/notifications/read-all").status_code == 302
    assert _badge(staff.get("/").get_data(as_text=True)) is None
    assert "unread-notifications" not in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/notifications").status_code == 302  # sign in first


def test_unread_filter_and_kind_filter(app, world, as_user):
    _add(app, world.a.staff, title="Read mention", kind="mentioned", read_at=utcnow())
    _add(app, world.a.staff, title="Unread status change", kind="status_changed")
    staff = as_user(world.a.staff)
    unread = staff.get("/notifications?show=unread").get_data(as_text=True)
    assert "Unread status change" in unread and "Read mention" not in unread
    mentions = staff.get("/notifications?kind=mentioned").get_data(as_text=True)
    assert "Read mention" in mentions and "Unread status change" not in mentions
    staff.post("/notifications/read-all")
    caught_up = staff.get("/notifications?show=unread").get_data(as_text=True)
    assert "all caught up" in caught_up


def test_keyset_pages_walk_every_notification_once(app, world, as_user):
    _add(app, world.a.agency_admin, count=57)
    admin = as_user(world.a.agency_admin)
    seen, url = [], "/notifications"
    for _ in range(5):
        html = admin.get(url).get_data(as_text=True)
        seen += re.findall(r">(Note \d{3})<", html)
        match = re.search(r'rel="next" href="([^"]+)"', html)
        if not match:
            break
        url = match.group(1).replace("&amp;", "&")
    assert seen == [f"Note {i:03d}" for i in range(56, -1, -1)]
    oldest = admin.get("/notifications?sort=oldest").get_data(as_text=True)
    assert re.findall(r">(Note \d{3})<", oldest)[:2] == ["Note 000", "Note 001"]


def test_a_tampered_cursor_starts_again(app, world, as_user):
    response = as_user(world.a.staff).get("/notifications?cursor=not-a-cursor")
    assert response.status_code == 302


def test_mark_read_follows_the_link_or_stays(app, world, as_user):
    [note_id] = _add(app, world.a.staff, url=f"/tasks/{world.a.task_id}")
    staff = as_user(world.a.staff)
    response = staff.post(f"/notifications/{note_id}/read")
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{world.a.task_id}"
    [other] = _add(app, world.a.staff, url="/tasks/x")
    response = staff.post(f"/notifications/{other}/read", data={"stay": "1", "next": "/notifications?show=unread"})
    assert response.headers["Location"] == "/notifications?show=unread"
    assert all(n.read_at is not None for n in notes_of(app, world.a.staff) if n.id in (note_id, other))


def test_an_unsafe_link_is_not_followed(app, world, as_user):
    [note_id] = _add(app, world.a.staff, url="https://evil.example/")
    response = as_user(world.a.staff).post(f"/notifications/{note_id}/read")
    assert response.headers["Location"] == "/notifications"


def test_nobody_reads_or_marks_another_users_notification(app, world, as_user):
    [admins] = _add(app, world.a.agency_admin, title="For the admin only")
    staff = as_user(world.a.staff)  # same agency, another user
    assert staff.post(f"/notifications/{admins}/read").status_code == 404
    assert "For the admin only" not in staff.get("/notifications").get_data(as_text=True)
    staff.post("/notifications/read-all")
    assert [n.read_at for n in notes_of(app, world.a.agency_admin) if n.id == admins] == [None]
    boss = as_user(world.a.client_admin)
    assert boss.post(f"/notifications/{admins}/read").status_code == 404
    assert as_user(world.b.agency_admin).post(f"/notifications/{admins}/read").status_code == 404


def test_mark_all_read_only_touches_my_notifications(app, world, as_user):
    _add(app, world.a.staff, count=3)
    staff = as_user(world.a.staff)
    response = staff.post("/notifications/read-all", follow_redirects=True)
    assert "Marked 4 notifications read." in response.get_data(as_text=True)
    assert all(n.read_at is not None for n in notes_of(app, world.a.staff))
    assert any(n.read_at is None for n in notes_of(app, world.a.client_admin))


def test_empty_state_for_a_user_without_notifications(app, world, as_user):
    html = as_user(world.a.idle_staff).get("/notifications").get_data(as_text=True)
    assert "No notifications yet" in html


def test_preferences_page_shows_every_kind_and_saves(app, world, as_user):
    staff = as_user(world.a.staff)
    html = staff.get("/notifications/preferences").get_data(as_text=True)
    for label in (
        "Assigned to me",
        "Mentions",
        "Client comments",
        "Status changes",
        "SLA warnings",
        "SLA breaches",
        "Approval decisions",
        "Client uploads",
    ):
        assert label in html
    assert "Approvals asked of me" not in html and "Document requests" not in html  # asked of client users only
    # The world saved status_changed as in-app only for this user.
    assert re.search(r'name="status_changed-in_app" value="y" checked', html)
    assert not re.search(r'name="status_changed-email" value="y" checked', html)
    form = {"assigned-in_app": "y", "mentioned-email": "y", "client_commented-in_app": "y", "client_commented-email": "y"}
    response = staff.post("/notifications/preferences", data=form, follow_redirects=True)
    assert "Notification preferences saved." in response.get_data(as_text=True)
    with in_agency(app, world.a.agency_id) as session:
        rows = {
            r.kind: (r.in_app, r.email)
            for r in session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == world.a.staff.id))
        }
    assert rows == {
        "assigned": (True, False),
        "mentioned": (False, True),
        "status_changed": (False, False),
        "sla_at_risk": (False, False),
        "sla_breached": (False, False),
        "document_uploaded": (False, False),
        "approval_decided": (False, False),
    }


def test_client_users_have_their_own_notifications_and_preferences(app, world, as_user):
    boss = as_user(world.a.client_admin)
    html = boss.get("/notifications").get_data(as_text=True)
    assert "Something happened" in html and _badge(html) == "1"
    [mine] = [n.id for n in notes_of(app, world.a.client_admin)]
    assert boss.post(f"/notifications/{mine}/read").status_code == 302
    assert boss.post("/notifications/preferences", data={"status_changed-email": "y"}).status_code == 302
    with in_agency(app, world.a.agency_id) as session:
        row = session.scalar(
            select(NotificationPreference).where(
                NotificationPreference.user_id == world.a.client_admin.id, NotificationPreference.kind == "status_changed"
            )
        )
        assert (row.in_app, row.email, row.client_id) == (False, True, world.a.client_id)
    assert "Notifications" in as_user(world.a.client_member).get("/notifications").get_data(as_text=True)


def test_forms_need_the_csrf_token(app, world, as_user):
    staff = as_user(world.a.staff)
    app.config["WTF_CSRF_ENABLED"] = True
    assert staff.post("/notifications/read-all").status_code == 400
    assert staff.post("/notifications/preferences", data={}).status_code == 400
