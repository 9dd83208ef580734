"""audiences() (many tasks at once, as the SLA sweep tells people) agrees with audience() for every task and person."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.work.access import audience, audiences
from app.work.models import Task
from tests.support import factories as f
from tests.support.web import tenant_db


def test_many_tasks_at_once_match_one_by_one(app, world):
    a = world.a
    with tenant_db(app, a.agency_id):
        # the idle staff member works the queue but serves no client; a task of the other client is assigned to them
        f.QueueMemberFactory(agency_id=a.agency_id, queue_id=a.queue_id, user_id=a.idle_staff.id)
        f.TaskFactory(
            agency_id=a.agency_id,
            client_id=a.other_client_id,
            task_type_id=a.task_type_id,
            queue_id=a.queue_id,
            assignee_id=a.idle_staff.id,
            title="Assigned to the idle one",
        )
        db.session.commit()
        people = [a.staff.id, a.idle_staff.id, a.agency_admin.id, a.client_admin.id, a.other_client_admin.id, None]
        tasks = list(db.session.scalars(select(Task)))
        assert len(tasks) >= 3
        together = audiences({task: people for task in tasks})
        for task in tasks:
            assert together[task.id] == audience(task, people)
        assert any(a.idle_staff.id in together[t.id] for t in tasks) and any(a.idle_staff.id not in together[t.id] for t in tasks)
