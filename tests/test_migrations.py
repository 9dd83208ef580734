"""Migrations build exactly the models' schema, and downgrade to empty and back up again."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db
from tests.conftest import ON_POSTGRES


def test_migrations_match_the_models(app, owner_engine):
    with owner_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diffs == []


def test_downgrade_to_base_and_upgrade_to_head(app, owner_engine):
    tables = {t.name for t in db.metadata.sorted_tables}
    with app.app_context():
        downgrade(revision="base")
    remaining = set(inspect(owner_engine).get_table_names()) & tables
    assert remaining == set()
    if ON_POSTGRES:
        with owner_engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_policies WHERE schemaname = 'public'")).scalar() == 0
    with app.app_context():
        upgrade()
    assert tables <= set(inspect(owner_engine).get_table_names())
    if ON_POSTGRES:
        with owner_engine.connect() as conn:
            policies = {r[0] for r in conn.execute(text("SELECT tablename FROM pg_policies WHERE schemaname = 'public'"))}
        assert policies == tables - {"agencies"}
