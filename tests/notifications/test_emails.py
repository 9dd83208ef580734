"""Each kind of notification email, triggered through the real task and comment services, arrives over SMTP and reads well."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notifications.services import notify
from app.work.models import Task, Watcher
from app.work.services import comments as comment_services
from app.work.services import tasks as task_services
from tests.notifications.conftest import acting, in_agency
from tests.worker.test_jobs import drain

PREFERENCES_URL = "http://backline.test/notifications/preferences"


def _task(world) -> Task:
    return db.session.scalar(select(Task).where(Task.id == world.a.task_id))


def _one_email(app, smtp, to: str):
    drain(app)
    [message] = smtp.inbox.to(to)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return message, text, html


def _reference(app, world) -> str:
    with acting(app, world.a.agency_admin):
        return _task(world).reference


def _common(world, reference, text, html, kind_label):
    task_url = f"http://backline.test/tasks/{world.a.task_id}"
    for body in (text, html):
        assert reference in body
        assert world.a.client_name in body  # the client the task is for
        assert task_url in body
        assert PREFERENCES_URL in body  # the footer says where to change this
        assert kind_label in body
        assert "Agency A" in body
    assert "Task:" in text and "Client:" in text


def test_assigned(app, world, smtp):
    reference = _reference(app, world)
    with acting(app, world.a.agency_admin) as admin:
        task_services.assign(_task(world), admin, None)
        task_services.assign(_task(world), admin, world.a.staff.id)
    message, text, html = _one_email(app, smtp, world.a.staff.email)
    assert message["Subject"] == f"{reference} assigned to you: {_title(app, world)}"
    assert text.startswith("Hello A Staff,") and "You have been given a task." in text
    _common(world, reference, text, html, "Assigned to me")
    assert smtp.inbox.to(world.a.agency_admin.email) == []  # the admin did it


def test_status_changed_to_a_watcher(app, world, smtp):
    reference = _reference(app, world)
    with acting(app, world.a.agency_admin) as admin:
        task_services.ensure_watching(_task(world), admin)
    with acting(app, world.a.staff) as staff:
        task_services.transition(_task(world), staff, "in_progress")
    message, text, html = _one_email(app, smtp, world.a.agency_admin.email)
    assert message["Subject"] == f"{reference} is now in progress: {_title(app, world)}"
    assert "A task you follow changed status." in text
    _common(world, reference, text, html, "Status changes")
    assert smtp.inbox.to(world.a.staff.email) == []  # the mover is not told of their own move


def test_mentioned(app, world, smtp):
    reference = _reference(app, world)
    with acting(app, world.a.staff) as staff:
        comment_services.add_comment(_task(world), staff, "@admin can you check the bank feed?", client_visible=False)
    message, text, html = _one_email(app, smtp, world.a.agency_admin.email)
    assert message["Subject"] == f"A Staff mentioned you on {reference}: {_title(app, world)}"
    assert "You were mentioned in a comment." in text
    assert "@admin can you check the bank feed?" in text and "can you check the bank feed?" in html
    _common(world, reference, text, html, "Mentions")


def _client_comment_email(app, world, smtp):
    reference = _reference(app, world)
    message, text, html = _one_email(app, smtp, world.a.staff.email)  # the staff member watches the task
    assert message["Subject"] == f"A One Boss commented on {reference}: {_title(app, world)}"
    assert "A client commented on a task you follow." in text
    assert "The statements are attached <b>now</b>." in text
    assert "&lt;b&gt;now&lt;/b&gt;" in html and "<b>now</b>" not in html  # the client's text is escaped in HTML
    _common(world, reference, text, html, "Client comments")


def test_client_commented(app, world, smtp):
    """As the comment service words it, sent from the client user's own context (watchers passed by id)."""
    with acting(app, world.a.client_admin) as boss:
        task = _task(world)
        watcher_ids = list(db.session.scalars(select(Watcher.user_id).where(Watcher.task_id == task.id)))
        notify(
            "client_commented",
            watcher_ids,
            title=f"{boss.name} commented on {task.reference}: {task.title}",
            body="The statements are attached <b>now</b>.",
            url=task_services.task_url(task),
            task=task,
            actor=boss,
        )
    _client_comment_email(app, world, smtp)


def test_client_commented_through_the_comment_service(app, world, smtp):
    with acting(app, world.a.client_admin) as boss:
        comment_services.add_comment(_task(world), boss, "The statements are attached <b>now</b>.")
    _client_comment_email(app, world, smtp)


@pytest.mark.parametrize("kind", ["assigned", "status_changed"])
def test_turning_email_off_stops_the_email_but_keeps_the_in_app_notification(app, world, smtp, as_user, kind):
    from app.notifications import services

    with acting(app, world.a.staff) as staff:
        services.set_preferences(staff, {kind: (True, False)})
    with acting(app, world.a.agency_admin) as admin:
        if kind == "assigned":
            task_services.assign(_task(world), admin, None)
            task_services.assign(_task(world), admin, world.a.staff.id)
        else:
            task_services.transition(_task(world), admin, "in_progress")
    drain(app)
    assert smtp.inbox.to(world.a.staff.email) == []
    kinds = [i["kind"] for i in as_user(world.a.staff).get("/api/v1/notifications?unread=true").get_json()["items"]]
    assert kind in kinds


def _title(app, world) -> str:
    with acting(app, world.a.agency_admin):
        return _task(world).title


@pytest.mark.parametrize(
    "kind, hours_to_due, intro, label, verb",
    [
        ("sla_at_risk", 2, "A task is close to missing its SLA target.", "SLA warnings", "is at risk of missing its resolution target"),
        ("sla_breached", -1, "A task has missed its SLA target.", "SLA breaches", "breached its resolution target"),
    ],
)
def test_sla_warning_and_breach_reach_the_assignee_and_the_queue(app, world, smtp, kind, hours_to_due, intro, label, verb):
    from datetime import timedelta

    from sqlalchemy import delete

    from app.core.types import utcnow
    from app.sla.models import SlaEvent
    from app.sla.sweep import record_crossings

    reference = _reference(app, world)
    now = utcnow()
    with in_agency(app, world.a.agency_id) as session:
        session.execute(delete(SlaEvent).where(SlaEvent.task_id == world.a.task_id))  # the world's sample event
        task = _task(world)
        task.resolution_due_at, task.resolution_at_risk_at = now + timedelta(hours=hours_to_due), now - timedelta(hours=3)
    with in_agency(app, world.a.agency_id):
        record_crossings(now)
    message, text, html = _one_email(app, smtp, world.a.staff.email)  # the assignee, who is also the queue's member
    # A long subject is folded right after "Subject:"; the parser keeps the fold's space, mail clients drop it.
    assert message["Subject"].strip() == f"{reference} {verb}: {_title(app, world)}"
    assert intro in text
    _common(world, reference, text, html, label)
    assert len(smtp.inbox.to(world.a.staff.email)) == 1
