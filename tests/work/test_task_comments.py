"""Comments: internal by default or client-visible, @mentions notify, client comments tell watchers, own-only edits."""

from __future__ import annotations

from sqlalchemy import select

from app.notifications.models import Notification
from app.work.models import Task
from app.work.queries import comments as comment_queries
from app.work.services import comments
from tests.support.web import assert_error, load_user, tenant_db


def notes(app, world, kind):
    with tenant_db(app, world.a.agency_id) as session:
        return [(n.user_id, n.title) for n in session.scalars(select(Notification).where(Notification.kind == kind))]


def test_internal_by_default_and_client_visible_on_request(world, as_user):
    staff = as_user(world.a.staff)
    url = f"/api/v1/tasks/{world.a.task_id}/comments"
    internal = staff.post(url, json={"body": "Numbers look off"}).get_json()
    shared = staff.post(url, json={"body": "We have started", "client_visible": True}).get_json()
    assert internal["client_visible"] is False and shared["client_visible"] is True
    bodies = [c["body"] for c in staff.get(url).get_json()["items"]]
    assert bodies[-2:] == ["Numbers look off", "We have started"]
    page = staff.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    assert "Internal" in page and "Client can see" in page


def test_client_users_never_get_internal_comments(app, world):
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        seen = [c.body for c in comment_queries.comments_of(task, load_user(session, world.a.client_admin))]
    assert seen == ["Client-visible note a"]


def test_comment_pagination(world, as_user):
    staff = as_user(world.a.staff)
    url = f"/api/v1/tasks/{world.a.task_id}/comments"
    for n in range(3):
        staff.post(url, json={"body": f"note {n}"})
    first = staff.get(url + "?limit=3").get_json()
    rest = staff.get(url + f"?limit=3&cursor={first['next_cursor']}").get_json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    assert [c["body"] for c in rest["items"]] == ["note 1", "note 2"] and rest["next_cursor"] is None


def test_mentions_notify_staff_who_can_see_the_task(app, world, as_user):
    response = as_user(world.a.agency_admin).post(
        f"/api/v1/tasks/{world.a.task_id}/comments", json={"body": "@staff please check, and @A Idle too; mail admin@a.test"}
    )
    assert response.status_code == 201
    mentioned = notes(app, world, "mentioned")
    assert [user for user, _ in mentioned] == [world.a.staff.id]  # idle staff cannot see the task; an email is no mention
    assert "A Admin mentioned you" in mentioned[0][1]


def test_mention_by_name(app, world, as_user):
    as_user(world.a.staff).post(f"/api/v1/tasks/{world.a.task_id}/comments", json={"body": "Over to you, @A Admin."})
    assert [user for user, _ in notes(app, world, "mentioned")] == [world.a.agency_admin.id]


def test_a_client_comment_tells_the_watchers(app, world):
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        comment = comments.add_comment(task, load_user(session, world.a.client_admin), "Statement attached", client_visible=False)
        assert comment.client_visible is True
    told = notes(app, world, "client_commented")
    assert [user for user, _ in told] == [world.a.staff.id]
    assert "A One Boss commented" in told[0][1]


def test_edit_and_delete_own_comment_only(world, as_user):
    url = f"/api/v1/tasks/{world.a.task_id}/comments"
    admin, staff = as_user(world.a.agency_admin), as_user(world.a.staff)
    mine = admin.post(url, json={"body": "First draft"}).get_json()["id"]
    assert_error(staff.patch(f"{url}/{mine}", json={"body": "Hijacked"}), 403)
    assert_error(staff.delete(f"{url}/{mine}"), 403)
    edited = admin.patch(f"{url}/{mine}", json={"body": "Second draft"}).get_json()
    assert edited["body"] == "Second draft" and edited["edited_at"]
    assert admin.delete(f"{url}/{mine}").status_code == 204
    assert_error(admin.patch(f"{url}/{mine}", json={"body": "again"}), 404)
    assert_error(admin.patch(f"{url}/{world.b.comment_id}", json={"body": "x"}), 404)
    assert_error(staff.post(url, json={"body": "   "}), 422)


def test_page_comment_form(world, as_user):
    staff = as_user(world.a.staff)
    assert staff.post(f"/tasks/{world.a.task_id}/comments", data={"body": "Shown", "visibility": "client"}).status_code == 302
    refused = staff.post(f"/tasks/{world.a.task_id}/comments", data={"body": ""})
    assert refused.status_code == 422 and "Write something first." in refused.get_data(as_text=True)
