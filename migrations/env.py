"""Alembic environment: migrations run as the schema owner, then the application role is granted DML."""

from __future__ import annotations

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

APPEND_ONLY_TABLES = ("audit_events",)


def _owner_url() -> str:
    return current_app.config.get("MIGRATION_DATABASE_URL") or current_app.config["SQLALCHEMY_DATABASE_URI"]


def _quote(connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def grant_application_role(connection) -> None:
    """Give the application's login role DML only: it owns nothing, so RLS binds it."""
    if connection.dialect.name != "postgresql":
        return
    app_user = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).username
    owner = make_url(_owner_url()).username
    if not app_user or app_user == owner:
        return
    role = _quote(connection, app_user)
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
    for table in APPEND_ONLY_TABLES:
        exists = connection.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar()
        if exists:
            connection.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}"))
    connection.execute(text(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}"))
    connection.execute(text(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}"))
    connection.commit()


def render_item(type_, obj, autogen_context):
    """Render the app's column types as plain SQLAlchemy types, so revisions never import the app."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(url=_owner_url(), target_metadata=current_app.extensions["migrate"].db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_owner_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=current_app.extensions["migrate"].db.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
        grant_application_role(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
