"""The default catalog: seeded for every new agency, idempotent, and used by the demo."""

from __future__ import annotations

from sqlalchemy import func, select

from app.catalog.fields import clean_definitions
from app.catalog.models import ClientService, ServiceLine, TaskType
from app.catalog.services import seed_default_catalog
from app.extensions import db
from app.work.models import Queue
from tenants.context import TenantContext, tenant_scope
from tenants.models import Agency
from tests.support import factories as f

EXPECTED_TYPES = {
    "BK": {"Month-end close", "Bank reconciliation", "Accounts-payable batch"},
    "PR": {"Payroll run", "New-hire onboarding"},
    "RC": {"Job requisition"},
    "CP": {"Quarterly VAT return", "Annual report filing"},
}


def _catalog() -> dict:
    lines = db.session.scalars(select(ServiceLine)).all()
    return {line.code: {t.name for t in db.session.scalars(select(TaskType).where(TaskType.service_line_id == line.id))} for line in lines}


def _counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (ServiceLine, Queue, TaskType))


def test_seed_creates_the_default_catalog_once(app):
    with app.app_context():
        agency = f.AgencyFactory()
        with tenant_scope(TenantContext(agency_id=agency.id)):
            created = seed_default_catalog()
            assert created == {"service_lines": 4, "queues": 4, "task_types": 8}
            assert _catalog() == EXPECTED_TYPES
            assert seed_default_catalog() == {"service_lines": 0, "queues": 0, "task_types": 0}
            assert _counts() == (4, 4, 8)
            for task_type in db.session.scalars(select(TaskType)):
                queue = db.session.scalar(select(Queue).where(Queue.id == task_type.default_queue_id))
                line = db.session.scalar(select(ServiceLine).where(ServiceLine.id == task_type.service_line_id))
                assert queue.name == line.name and queue.service_line_id == line.id
                assert task_type.expected_minutes and task_type.checklist_template
                assert any(item["required"] for item in task_type.checklist_template)
                assert clean_definitions(task_type.custom_fields) == task_type.custom_fields
            kinds = {d["type"] for t in db.session.scalars(select(TaskType)) for d in t.custom_fields}
            assert kinds == {"text", "number", "money", "date", "choice", "yes_no"}
        db.session.rollback()


def test_seed_fills_in_around_an_existing_catalog(app, world):
    with app.app_context(), tenant_scope(TenantContext(agency_id=world.a.agency_id)):
        created = seed_default_catalog()
        # The world's BK line, its queue and its Month-end close are kept and reused.
        assert created == {"service_lines": 3, "queues": 3, "task_types": 7}
        assert _catalog() == EXPECTED_TYPES
        bank = db.session.scalar(select(TaskType).where(TaskType.name == "Bank reconciliation"))
        assert bank.default_queue_id == world.a.queue_id
        db.session.rollback()


def test_create_agency_command_seeds_the_catalog(app):
    result = app.test_cli_runner().invoke(
        args=["tenants", "create-agency", "Lighthouse", "--slug", "lighthouse", "--admin-email", "owner@lighthouse.example"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.slug == "lighthouse"))
        with tenant_scope(TenantContext(agency_id=agency.id)):
            assert _catalog() == EXPECTED_TYPES
            assert _counts() == (4, 4, 8)


def test_demo_seed_gives_every_client_services(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        for agency in db.session.scalars(select(Agency)).all():
            with tenant_scope(TenantContext(agency_id=agency.id)):
                assert _counts() == (4, 4, 8)
                per_client = dict(db.session.execute(select(ClientService.client_id, func.count()).group_by(ClientService.client_id)).all())
                assert len(per_client) == 4 and all(n >= 2 for n in per_client.values())
