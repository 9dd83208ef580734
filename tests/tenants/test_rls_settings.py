"""The row-level security settings follow the tenant context: once per transaction, again after a change of context,
a commit, a rollback or a savepoint rolled back."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.extensions import db
from tenants.context import TenantContext, set_tenant, tenant_scope
from tests.conftest import ON_POSTGRES
from tests.support.statements import count_statements

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="row-level security exists on PostgreSQL only")


def _visible_agencies() -> set:
    """Agencies of the client rows the database lets through (plain SQL: no ORM criteria, only the policies)."""
    return set(db.session.scalars(text("SELECT DISTINCT agency_id FROM clients")))


def test_settings_are_sent_once_per_transaction_and_again_after_commit_and_rollback(app, world):
    a, b = world.a.agency_id, world.b.agency_id
    with app.app_context():
        set_tenant(TenantContext(agency_id=a))
        with count_statements(app) as counted:
            assert _visible_agencies() == {a}
            assert _visible_agencies() == {a}
            set_tenant(TenantContext(agency_id=a))  # the same settings: nothing to send
            assert _visible_agencies() == {a}
        assert counted.count("set_config") == 1, counted.report()
        db.session.commit()
        assert _visible_agencies() == {a}
        db.session.rollback()
        set_tenant(TenantContext(agency_id=b))
        assert _visible_agencies() == {b}
        set_tenant(None)
        assert _visible_agencies() == set()
        db.session.rollback()


def test_a_change_of_context_inside_a_transaction_applies_to_the_next_statement(app, world):
    a, b = world.a.agency_id, world.b.agency_id
    with app.app_context():
        set_tenant(TenantContext(agency_id=a))
        assert _visible_agencies() == {a}
        with tenant_scope(TenantContext(agency_id=b)):
            assert _visible_agencies() == {b}
        assert _visible_agencies() == {a}
        with tenant_scope(TenantContext(agency_id=a, client_id=world.a.client_id)):
            assert set(db.session.scalars(text("SELECT id FROM clients"))) == {world.a.client_id}
        assert len(list(db.session.scalars(text("SELECT id FROM clients")))) == 2
        db.session.rollback()


def test_a_savepoint_rolled_back_does_not_leave_older_settings_in_force(app, world):
    a, b = world.a.agency_id, world.b.agency_id
    with app.app_context():
        set_tenant(TenantContext(agency_id=a))
        assert _visible_agencies() == {a}
        nested = db.session.begin_nested()
        set_tenant(TenantContext(agency_id=b))
        assert _visible_agencies() == {b}
        nested.rollback()  # the database restores agency a's settings; the context still says b
        assert _visible_agencies() == {b}
        set_tenant(None)
        db.session.rollback()
