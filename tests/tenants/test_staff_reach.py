"""Staff reach: no page a restricted staff member opens, and no notification they get, names a task outside their reach.

A staff member reaches the tasks of queues they work for clients they serve, and tasks assigned to them. The world's
staff member serves client one and works the Bookkeeping queue; here client one also has a task in a queue he does
not work (created by client one's schedule), and client two's task is in his queue: neither may show anywhere.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.work.access import audience
from app.work.models import Task
from app.work.services.tasks import watcher_ids
from tests.support import factories as f
from tests.support.web import tenant_db

OUT_TITLE = "OUT-OF-REACH payroll run"


@pytest.fixture
def out_of_reach(app, world):
    with tenant_db(app, world.a.agency_id):
        queue = f.QueueFactory(agency_id=world.a.agency_id, name="Payroll queue", service_line_id=world.a.service_line_id)
        task = f.TaskFactory(
            agency_id=world.a.agency_id,
            client_id=world.a.client_id,
            task_type_id=world.a.task_type_id,
            queue_id=queue.id,
            title=OUT_TITLE,
            reference="BK-7001",
            number=7001,
            recurring_schedule_id=world.a.schedule_id,
        )
        other = db.session.scalar(select(Task).where(Task.id == world.a.other_task_id))
        return {task.reference: task.title, other.reference: other.title}, task.id


def _pages(app, world):
    """Every GET page (not the API, not the portal) whose ids the world's first company can fill."""
    ids = vars(world.a)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in {"static", "bootstrap.static"} or rule.rule.startswith(("/api/", "/portal")):
            continue
        if all(ids.get(name) is not None for name in rule.arguments):
            yield rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]


def test_no_page_shows_a_staff_member_a_task_outside_their_reach(app, world, as_user, out_of_reach):
    hidden, _ = out_of_reach
    staff = as_user(world.a.staff)
    opened, seen = 0, []
    for path in _pages(app, world):
        response = staff.get(path)
        assert response.status_code < 500, path
        if response.status_code != 200:
            continue
        opened += 1
        text = response.get_data(as_text=True)
        for reference, title in hidden.items():
            if f">{reference}<" in text or title in text:
                seen.append((path, reference))
    assert not seen
    assert opened >= 20
    # The admin, who reaches everything, sees the schedule's out-of-queue task on the schedule's page.
    assert OUT_TITLE in as_user(world.a.agency_admin).get(f"/schedules/{world.a.schedule_id}").get_data(as_text=True)


def test_notification_audiences_keep_to_staff_who_reach_the_task(app, world, out_of_reach):
    _, task_id = out_of_reach
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == task_id))
        assert audience(task, [world.a.staff.id, world.a.agency_admin.id, None]) == [world.a.agency_admin.id]
        # The world's staff member watches client two's task, which he no longer reaches: watchers are told only in reach.
        other = session.scalar(select(Task).where(Task.id == world.a.other_task_id))
        assert world.a.staff.id not in watcher_ids(other)
        assert world.a.staff.id in watcher_ids(session.scalar(select(Task).where(Task.id == world.a.task_id)))
