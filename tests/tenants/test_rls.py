"""PostgreSQL row-level security, checked with raw SQL as the application role."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="row-level security exists on PostgreSQL only")

SET = "SELECT set_config('app.agency_id', :a, true), set_config('app.client_id', :c, true)"


def _tenant_tables():
    return [t.name for t in db.metadata.sorted_tables if t.name != "agencies"]


@pytest.fixture
def app_engine(app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def test_application_role_is_not_owner_superuser_or_bypassrls(app_engine):
    with app_engine.connect() as conn:
        role = conn.execute(text("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        assert role.rolsuper is False and role.rolbypassrls is False
        owners = dict(
            conn.execute(
                text(
                    "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r'"
                )
            ).all()
        )
        assert owners and role.rolname not in owners.values()


def test_every_tenant_table_has_forced_rls_and_a_policy(app_engine):
    with app_engine.connect() as conn:
        rows = {
            r.relname: r
            for r in conn.execute(
                text("SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:names)"), {"names": _tenant_tables()}
            )
        }
        policies = {r.tablename: r for r in conn.execute(text("SELECT tablename, qual, with_check FROM pg_policies WHERE schemaname = 'public'"))}
    for name in _tenant_tables():
        assert rows[name].relrowsecurity and rows[name].relforcerowsecurity, name
        assert "app.agency_id" in policies[name].qual and "app.agency_id" in policies[name].with_check, name


def test_no_setting_sees_no_rows(app_engine, world):
    with app_engine.connect() as conn:
        for table in _tenant_tables():
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_agency_setting_sees_and_changes_only_its_own_rows(app_engine, owner_engine, world):
    a, b = str(world.a.agency_id), str(world.b.agency_id)
    with app_engine.connect() as conn:
        with conn.begin():
            conn.execute(text(SET), {"a": a, "c": ""})
            for table in _tenant_tables():
                total = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                mine = conn.execute(text(f"SELECT count(*) FROM {table} WHERE agency_id = :a"), {"a": a}).scalar()
                assert total == mine > 0, table
            assert conn.execute(text("UPDATE users SET name = 'hijacked' WHERE agency_id = :b"), {"b": b}).rowcount == 0
            assert conn.execute(text("DELETE FROM client_staff WHERE agency_id = :b"), {"b": b}).rowcount == 0
        with pytest.raises(DBAPIError, match="row-level security"):
            with conn.begin():
                conn.execute(text(SET), {"a": a, "c": ""})
                conn.execute(
                    text("INSERT INTO clients (agency_id, id, name, timezone, created_at) VALUES (:b, gen_random_uuid(), 'Smuggled', 'UTC', now())"),
                    {"b": b},
                )
        with pytest.raises(DBAPIError, match="row-level security"):
            with conn.begin():
                conn.execute(text(SET), {"a": a, "c": ""})
                conn.execute(text("UPDATE clients SET agency_id = :b WHERE agency_id = :a"), {"a": a, "b": b})
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users WHERE agency_id = :b AND name = 'hijacked'"), {"b": b}).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM client_staff WHERE agency_id = :b"), {"b": b}).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM clients WHERE name = 'Smuggled'")).scalar() == 0


def test_client_setting_sees_only_its_client(app_engine, world):
    with app_engine.connect() as conn, conn.begin():
        conn.execute(text(SET), {"a": str(world.a.agency_id), "c": str(world.a.client_id)})
        assert {r[0] for r in conn.execute(text("SELECT id FROM clients"))} == {world.a.client_id}
        assert {r[0] for r in conn.execute(text("SELECT DISTINCT client_id FROM users"))} == {world.a.client_id}
        assert conn.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 0  # the tokens belong to client two


def test_a_pooled_connection_carries_no_tenant_into_the_next_transaction(app_engine, world):
    a, b = str(world.a.agency_id), str(world.b.agency_id)
    with app_engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        conn.commit()
        with conn.begin():
            conn.execute(text(SET), {"a": a, "c": ""})
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() > 0
    with app_engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == pid  # the same pooled connection
        conn.commit()
        with conn.begin():
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
        with conn.begin():
            conn.execute(text(SET), {"a": b, "c": ""})
            agencies = {r[0] for r in conn.execute(text("SELECT DISTINCT agency_id FROM users"))}
            assert agencies == {world.b.agency_id}


def test_audit_events_are_append_only_for_the_application_role(app_engine, world):
    with pytest.raises(DBAPIError, match="permission denied"):
        with app_engine.connect() as conn, conn.begin():
            conn.execute(text(SET), {"a": str(world.a.agency_id), "c": ""})
            conn.execute(text("DELETE FROM audit_events"))
