"""The ORM adds tenant criteria to every query and stamps tenant keys on new rows."""

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from tenants.context import TenantContext, set_tenant, tenant_scope
from tenants.lookup import get_in_tenant, get_or_404
from tenants.models import Client
from tenants.scoping import TenantViolation


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_no_context_means_no_rows(ctx, world):
    set_tenant(None)
    assert _count(User) == 0
    assert db.session.scalars(select(Client)).all() == []


def test_agency_context_sees_only_its_rows(ctx, world):
    set_tenant(TenantContext(agency_id=world.a.agency_id))
    emails = set(db.session.scalars(select(User.email)))
    assert "admin@a.test" in emails and not any(e.endswith("b.test") or "-b" in e for e in emails)
    assert get_in_tenant(User, world.b.agency_admin.id) is None
    assert get_in_tenant(User, world.a.agency_admin.id).email == "admin@a.test"


def test_client_context_sees_only_its_client(ctx, world):
    set_tenant(TenantContext(agency_id=world.a.agency_id, client_id=world.a.client_id))
    assert {c.id for c in db.session.scalars(select(Client))} == {world.a.client_id}
    assert {u.client_id for u in db.session.scalars(select(User))} == {world.a.client_id}
    assert get_in_tenant(Client, world.a.other_client_id) is None


def test_new_rows_are_stamped_and_foreign_writes_refused(ctx, world):
    with tenant_scope(TenantContext(agency_id=world.a.agency_id)):
        client = Client(name="Stamped Co")
        db.session.add(client)
        db.session.flush()
        assert client.agency_id == world.a.agency_id
        db.session.add(Client(name="Smuggled", agency_id=world.b.agency_id))
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()


def test_writes_without_a_tenant_are_refused(ctx, world):
    set_tenant(None)
    db.session.add(Client(name="Orphan"))
    with pytest.raises(TenantViolation):
        db.session.flush()
    db.session.rollback()


def test_client_users_cannot_write_into_another_client(ctx, world):
    set_tenant(TenantContext(agency_id=world.a.agency_id, client_id=world.a.client_id))
    db.session.add(User(email="x@y.test", name="X", role="client_member", client_id=world.a.other_client_id))
    with pytest.raises(TenantViolation):
        db.session.flush()
    db.session.rollback()


def test_get_or_404_logs_probes_of_foreign_ids(app, world):
    from app.core.audit import AuditEvent
    from app.core.errors import NotFound

    with app.test_request_context("/probe"):
        set_tenant(TenantContext(agency_id=world.a.agency_id, user_id=world.a.agency_admin.id))
        with pytest.raises(NotFound):
            get_or_404(User, world.b.agency_admin.id)
        from tenants.security import write_pending_events

        write_pending_events()
        set_tenant(TenantContext(agency_id=world.a.agency_id))
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.foreign_id_requested")).all()
        assert [e.target_id for e in events] == [str(world.b.agency_admin.id)]
        set_tenant(TenantContext(agency_id=world.b.agency_id))
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.foreign_id_requested")).all() == []
