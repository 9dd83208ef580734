"""Task statuses: every allowed and refused move, who may make each, completing with open checklist items, reopening."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.errors import Conflict, Forbidden
from app.work.models import STATUSES, Activity, ChecklistItem, Comment, Task
from app.work.services import tasks
from tests.support.web import assert_error, load_user, tenant_db

PAIRS = [(frm, to) for frm in STATUSES for to in STATUSES if frm != to]


def _set_status(app, world, status, *, tick=True):
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        task.status = status
        if tick:
            for item in session.scalars(select(ChecklistItem).where(ChecklistItem.task_id == task.id)):
                item.done_at = task.created_at


@pytest.mark.parametrize("frm, to", PAIRS)
def test_transition_table(app, world, frm, to):
    _set_status(app, world, frm)
    message = "Which bank account is this?" if to == "waiting_on_client" else None
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        admin = load_user(session, world.a.agency_admin)
        if to in tasks.TRANSITIONS[frm]:
            tasks.transition(task, admin, to, message=message)
            assert task.status == to
            assert (task.closed_at is not None) == (to in ("done", "cancelled"))
        else:
            with pytest.raises(Conflict):
                tasks.transition(task, admin, to, message=message)
            assert task.status == frm


@pytest.mark.parametrize("frm, to", [p for p in PAIRS if p[1] in tasks.TRANSITIONS[p[0]]])
def test_api_allows_every_allowed_move_for_staff_in_reach(app, world, as_user, frm, to):
    _set_status(app, world, frm)
    body = {"status": to, **({"message": "Please send the March statement."} if to == "waiting_on_client" else {})}
    response = as_user(world.a.staff).post(f"/api/v1/tasks/{world.a.task_id}/transitions", json=body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == to
    assert sorted(response.get_json()["allowed_transitions"]) == sorted(tasks.TRANSITIONS[to])


@pytest.mark.parametrize("frm, to", [p for p in PAIRS if p[1] not in tasks.TRANSITIONS[p[0]]])
def test_api_refuses_every_other_move_with_409(app, world, as_user, frm, to):
    _set_status(app, world, frm)
    response = as_user(world.a.agency_admin).post(f"/api/v1/tasks/{world.a.task_id}/transitions", json={"status": to, "message": "x"})
    error = assert_error(response, 409, "conflict")
    assert "status" in error["fields"]


def test_staff_out_of_reach_get_404_and_client_users_403(world, as_user):
    url = f"/api/v1/tasks/{world.a.task_id}/transitions"
    assert_error(as_user(world.a.idle_staff).post(url, json={"status": "in_progress"}), 404)
    other = f"/api/v1/tasks/{world.a.other_task_id}/transitions"
    assert_error(as_user(world.a.staff).post(other, json={"status": "in_progress"}), 404)  # a client staff does not serve
    for role in ("client_admin", "client_member"):
        assert_error(as_user(getattr(world.a, role)).post(url, json={"status": "cancelled"}), 403)
    assert as_user(world.a.agency_admin).post(other, json={"status": "in_progress"}).status_code == 200


def test_client_users_may_only_withdraw_a_new_task_through_the_service(app, world):
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        client_admin = load_user(session, world.a.client_admin)
        with pytest.raises(Forbidden):
            tasks.transition(task, client_admin, "in_progress")
        tasks.transition(task, client_admin, "cancelled")
        assert task.status == "cancelled"
        with pytest.raises(Forbidden):
            tasks.transition(task, client_admin, "new")


def test_done_is_refused_while_required_items_are_open(app, world, as_user):
    _set_status(app, world, "in_progress", tick=False)
    admin = as_user(world.a.agency_admin)
    error = assert_error(admin.post(f"/api/v1/tasks/{world.a.task_id}/transitions", json={"status": "done"}), 409, "conflict")
    assert "required checklist" in error["message"]
    assert error["fields"] == {"checklist": ["Required items are still open."]}
    item = admin.get(f"/api/v1/tasks/{world.a.task_id}/checklist").get_json()[0]
    assert admin.patch(f"/api/v1/tasks/{world.a.task_id}/checklist/{item['id']}", json={"done": True}).status_code == 200
    assert admin.post(f"/api/v1/tasks/{world.a.task_id}/transitions", json={"status": "done"}).get_json()["status"] == "done"


def test_done_is_refused_on_the_page_with_a_clear_message(app, world, as_user):
    _set_status(app, world, "in_progress", tick=False)
    response = as_user(world.a.staff).post(f"/tasks/{world.a.task_id}/transition", data={"status": "done"})
    assert response.status_code == 409
    assert "Tick every required checklist item" in response.get_data(as_text=True)


def test_reopening_is_allowed_and_recorded(app, world, as_user):
    _set_status(app, world, "done")
    admin = as_user(world.a.agency_admin)
    page = admin.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    assert "Reopen" in page
    response = admin.post(f"/api/v1/tasks/{world.a.task_id}/transitions", json={"status": "in_progress"})
    assert response.status_code == 200
    assert response.get_json()["closed_at"] is None
    kinds = [row["kind"] for row in admin.get(f"/api/v1/tasks/{world.a.task_id}/activity").get_json()["items"]]
    assert kinds[-1] == "reopened"


def test_waiting_on_client_needs_the_question_and_posts_it_for_the_client(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    url = f"/api/v1/tasks/{world.a.task_id}/transitions"
    error = assert_error(admin.post(url, json={"status": "waiting_on_client"}), 422, "validation_failed")
    assert "message" in error["fields"]
    assert admin.post(url, json={"status": "waiting_on_client", "message": "Where is the bank statement?"}).status_code == 200
    with tenant_db(app, world.a.agency_id) as session:
        comment = session.scalar(select(Comment).where(Comment.body == "Where is the bank statement?"))
        assert comment.client_visible is True
        row = session.scalar(select(Activity).where(Activity.task_id == world.a.task_id, Activity.kind == "status_changed"))
        assert row.data == {"old": "new", "new": "waiting_on_client"} and row.actor_id == world.a.agency_admin.id


def test_the_page_shows_exactly_the_allowed_transitions(app, world, as_user):
    _set_status(app, world, "in_review")
    body = as_user(world.a.staff).get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    offered = {value for value in STATUSES if f'name="status" value="{value}"' in body}
    assert offered == tasks.TRANSITIONS["in_review"]
