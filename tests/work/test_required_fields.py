"""Required custom fields: people fill them at creation; system-made tasks must have them before completion."""

import pytest
from sqlalchemy import select

from app.catalog.models import TaskType
from app.core.errors import Conflict, ValidationFailed
from app.extensions import db
from app.work.models import ChecklistItem, Task
from app.work.services import tasks
from tests.support.web import load_user, tenant_db

FIELDS = [{"key": "pay_date", "label": "Pay date", "type": "date", "required": True, "choices": [], "help": None}]


def _require_pay_date(session, world):
    task_type = session.scalar(select(TaskType).where(TaskType.id == world.a.task_type_id))
    task_type.custom_fields = FIELDS
    return task_type


def test_people_must_fill_required_fields_when_they_create(app, world):
    with tenant_db(app, world.a.agency_id) as session:
        _require_pay_date(session, world)
        admin = load_user(session, world.a.agency_admin)
        with pytest.raises(ValidationFailed) as refused:
            tasks.create_task(admin, client_id=world.a.client_id, task_type_id=world.a.task_type_id, title="Payroll")
        assert "pay_date" in refused.value.fields["custom_values"]
        session.rollback()


def test_system_tasks_are_created_and_completion_waits_for_the_fields(app, world):
    with tenant_db(app, world.a.agency_id) as session:
        _require_pay_date(session, world)
        admin = load_user(session, world.a.agency_admin)
        task = tasks.create_task(None, client_id=world.a.client_id, task_type_id=world.a.task_type_id, title="Payroll")
        for item in session.scalars(select(ChecklistItem).where(ChecklistItem.task_id == task.id)):
            item.done_at = task.created_at
        tasks.transition(task, admin, "in_progress")
        with pytest.raises(Conflict) as refused:
            tasks.transition(task, admin, "done")
        assert "Pay date" in refused.value.message
        tasks.update_fields(task, admin, {"custom_values": {"pay_date": "2026-11-25"}})
        tasks.transition(task, admin, "done")
        assert db.session.scalar(select(Task.status).where(Task.id == task.id)) == "done"
