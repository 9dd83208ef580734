"""Custom-field values are checked against the task type's definitions when a task is created."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.catalog import services as catalog
from app.catalog.fields import clean_values
from app.catalog.models import TaskType
from app.core.errors import ValidationFailed
from app.work.services.tasks import create_task
from tenants.context import TenantContext, tenant_scope
from tests.support.web import assert_error, load_user

DEFINITIONS = [
    {"key": "period", "label": "Period", "type": "date", "required": True},
    {"key": "headcount", "label": "Headcount", "type": "number"},
    {"key": "amount", "label": "Amount", "type": "money"},
    {"key": "filing_type", "label": "Filing type", "type": "choice", "choices": ["Standard", "Flat rate"]},
    {"key": "signed", "label": "Signed", "type": "yes_no"},
    {"key": "note", "label": "Note", "type": "text"},
]


@pytest.fixture
def typed(app, world):
    """The world's Month-end close task type, with a custom field of every kind; yields (session, admin)."""
    from app.extensions import db

    with app.app_context(), tenant_scope(TenantContext(agency_id=world.a.agency_id)):
        task_type = db.session.scalar(select(TaskType).where(TaskType.id == world.a.task_type_id))
        catalog.update_task_type(task_type, {"custom_fields": DEFINITIONS})
        yield db.session, load_user(db.session, world.a.agency_admin)
        db.session.rollback()


def _create(world, actor, values):
    return create_task(actor, client_id=world.a.client_id, task_type_id=world.a.task_type_id, title="Close March", custom_values=values)


def test_valid_values_are_stored_json_ready(world, typed):
    _, admin = typed
    task = _create(
        world, admin, {"period": "2026-03-31", "headcount": 12, "amount": "1250.5", "filing_type": "Standard", "signed": True, "note": None}
    )
    assert task.custom_values == {
        "period": "2026-03-31",
        "headcount": 12.0,
        "amount": "1250.50",
        "filing_type": "Standard",
        "signed": True,
        "note": None,
    }


@pytest.mark.parametrize(
    "values, field",
    [
        ({}, "period"),  # a required value is missing
        ({"period": "31/03/2026"}, "period"),  # not a date
        ({"period": "2026-03-31", "headcount": "many"}, "headcount"),  # not a number
        ({"period": "2026-03-31", "amount": "12,50 EUR"}, "amount"),  # not money
        ({"period": "2026-03-31", "signed": "perhaps"}, "signed"),  # not yes/no
        ({"period": "2026-03-31", "filing_type": "Annual"}, "filing_type"),  # not one of the choices
        ({"period": "2026-03-31", "colour": "red"}, "colour"),  # an unknown key
    ],
)
def test_bad_values_are_refused_naming_the_field(world, typed, values, field):
    _, admin = typed
    with pytest.raises(ValidationFailed) as raised:
        _create(world, admin, values)
    assert raised.value.status == 422
    assert field in raised.value.fields["custom_values"], raised.value.fields


def test_partial_values_for_updates_skip_required_checks():
    assert clean_values(DEFINITIONS, {"headcount": 3}, partial=True) == {"headcount": 3.0}


def test_whole_numbers_stay_whole_and_fractions_stay_fractions():
    for given, kept in (("14", 14), (14.0, 14), ("12.5", 12.5), (-3, -3)):
        [value] = clean_values(DEFINITIONS, {"headcount": given}, partial=True).values()
        assert (value, type(value)) == (kept, type(kept)), given
    assert clean_values(DEFINITIONS, {"period": date(2026, 1, 31)}) == {"period": "2026-01-31"}


def test_the_task_api_answers_422_with_the_field(app, world, as_user):
    if not any(rule.rule == "/api/v1/tasks" and "POST" in rule.methods for rule in app.url_map.iter_rules()):
        pytest.skip("the task API is not registered yet")
    from app.extensions import db

    with app.app_context(), tenant_scope(TenantContext(agency_id=world.a.agency_id)):
        task_type = db.session.scalar(select(TaskType).where(TaskType.id == world.a.task_type_id))
        catalog.update_task_type(task_type, {"custom_fields": DEFINITIONS})
        db.session.commit()
    admin = as_user(world.a.agency_admin)
    body = {"client_id": str(world.a.client_id), "task_type_id": str(world.a.task_type_id), "title": "Close March"}
    missing = assert_error(admin.post("/api/v1/tasks", json=body), 422, "validation_failed")
    assert "period" in missing["fields"]["custom_values"]
    bad_choice = assert_error(admin.post("/api/v1/tasks", json={**body, "custom_values": {"period": "2026-03-31", "filing_type": "X"}}), 422)
    assert "filing_type" in bad_choice["fields"]["custom_values"]
    unknown = assert_error(admin.post("/api/v1/tasks", json={**body, "custom_values": {"period": "2026-03-31", "nope": 1}}), 422)
    assert "nope" in unknown["fields"]["custom_values"]
    created = admin.post("/api/v1/tasks", json={**body, "custom_values": {"period": "2026-03-31", "amount": "10"}})
    assert created.status_code == 201, created.get_json()
