"""notify() honours each recipient's preferences, never tells the actor about their own action, and skips deactivated users."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.types import utcnow
from app.notifications import services
from app.notifications.models import NotificationPreference
from app.work.models import Task
from app.work.services import tasks as task_services
from tenants.context import TenantContext, tenant_scope
from tests.notifications.conftest import acting, in_agency, load, notes_of
from tests.worker.test_jobs import drain


def _notify_staff(app, world, kind="assigned", actor=None):
    with acting(app, actor or world.a.agency_admin) as me:
        staff = load(world.a.staff)
        return [
            n.id for n in services.notify(kind, [staff], title="BK-1 assigned to you: Close the books", url=f"/tasks/{world.a.task_id}", actor=me)
        ]


def _set(app, ref, kind, in_app, email):
    with acting(app, ref) as me:
        services.set_preferences(me, {kind: (in_app, email)})


def test_both_channels_by_default(app, world, smtp):
    [note_id] = _notify_staff(app, world)
    drain(app)
    [note] = [n for n in notes_of(app, world.a.staff) if n.id == note_id]
    assert note.in_app and note.read_at is None and note.emailed_at is not None
    assert [m["Subject"] for m in smtp.inbox.to(world.a.staff.email)] == ["BK-1 assigned to you: Close the books"]


def test_in_app_only_sends_no_email(app, world, smtp, as_user):
    _set(app, world.a.staff, "assigned", True, False)
    [note_id] = _notify_staff(app, world)
    drain(app)
    assert smtp.inbox.to(world.a.staff.email) == []
    listed = as_user(world.a.staff).get("/api/v1/notifications?unread=true").get_json()
    assert str(note_id) in [item["id"] for item in listed["items"]]


def test_email_only_is_mailed_but_never_listed(app, world, smtp, as_user):
    _set(app, world.a.staff, "assigned", False, True)
    staff = as_user(world.a.staff)
    unread_before = staff.get("/api/v1/notifications").get_json()["unread_count"]
    [note_id] = _notify_staff(app, world)
    drain(app)
    assert len(smtp.inbox.to(world.a.staff.email)) == 1
    body = staff.get("/api/v1/notifications").get_json()
    assert str(note_id) not in [item["id"] for item in body["items"]]
    assert body["unread_count"] == unread_before
    assert staff.post(f"/api/v1/notifications/{note_id}/read").status_code == 404
    assert str(note_id) not in staff.get("/notifications").get_data(as_text=True)


def test_neither_channel_creates_nothing(app, world, smtp):
    _set(app, world.a.staff, "assigned", False, False)
    before = len(notes_of(app, world.a.staff))
    assert _notify_staff(app, world) == []
    drain(app)
    assert len(notes_of(app, world.a.staff)) == before
    assert smtp.inbox.to(world.a.staff.email) == []


def test_preferences_are_per_kind(app, world, smtp):
    _set(app, world.a.staff, "mentioned", False, False)
    assert _notify_staff(app, world, kind="assigned") != []
    assert _notify_staff(app, world, kind="mentioned") == []


def test_the_actor_is_never_notified_of_their_own_action(app, world, smtp):
    with acting(app, world.a.agency_admin) as admin:
        staff = load(world.a.staff)
        created = services.notify("status_changed", [staff, admin, admin], title="T is now done", actor=admin)
        assert [n.user_id for n in created] == [staff.id]


def test_deactivated_users_are_skipped(app, world, smtp):
    with in_agency(app, world.a.agency_id):
        load(world.a.staff).deactivated_at = utcnow()
    before = len(notes_of(app, world.a.staff))
    assert _notify_staff(app, world) == []
    drain(app)
    assert len(notes_of(app, world.a.staff)) == before
    assert smtp.inbox.messages == []


def test_unknown_kind_is_a_programming_error(app, world):
    with acting(app, world.a.agency_admin), pytest.raises(ValueError):
        services.notify("birthday", [], title="x")


def test_a_transition_notifies_watchers_but_not_the_mover(app, world, smtp):
    before_staff = len(notes_of(app, world.a.staff))
    with acting(app, world.a.agency_admin) as admin:
        task_services.ensure_watching(_task(world), admin)
    with acting(app, world.a.staff) as staff:
        task_services.transition(_task(world), staff, "in_progress")
    admin_notes = [n for n in notes_of(app, world.a.agency_admin) if n.kind == "status_changed"]
    assert len(admin_notes) == 1 and "is now in progress" in admin_notes[0].title
    assert len(notes_of(app, world.a.staff)) == before_staff


def test_a_client_users_action_notifies_agency_staff(app, world, smtp):
    """notify() called under a client user's context still reaches agency users and reads their preferences."""
    _set(app, world.a.staff, "client_commented", True, False)
    with acting(app, world.a.client_admin) as boss:
        with tenant_scope(TenantContext(agency_id=world.a.agency_id)):
            staff_user = load(world.a.staff)  # the caller picks the recipients (a client user cannot read staff rows)
        created = services.notify("client_commented", [staff_user], title="A One Boss commented", task=_task(world), actor=boss)
        assert [(n.user_id, n.client_id, n.client_name) for n in created] == [(world.a.staff.id, None, world.a.client_name)]
    drain(app)
    assert smtp.inbox.to(world.a.staff.email) == []  # email was off for that kind


def test_set_preferences_stores_only_what_differs_from_the_default(app, world):
    with acting(app, world.a.agency_admin) as admin:
        services.set_preferences(admin, {"assigned": (True, True), "mentioned": (True, False)})
        rows = {row.kind: (row.in_app, row.email) for row in admin_rows(admin)}
        assert rows == {"mentioned": (True, False)}
        assert services.preferences_for(admin)["assigned"] == (True, True)
        services.set_preferences(admin, {"mentioned": (True, True)})
        assert services.preferences_for(admin)["mentioned"] == (True, True)


def admin_rows(user):
    from app.extensions import db

    return db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))


def _task(world) -> Task:
    from app.extensions import db

    return db.session.scalar(select(Task).where(Task.id == world.a.task_id))
