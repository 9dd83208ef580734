"""PostgreSQL row-level security: transaction-local tenant settings and the policy DDL."""
from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from tenants.context import current_tenant, on_tenant_change

AGENCY_SETTING = "app.agency_id"
CLIENT_SETTING = "app.client_id"
_SET_SQL = text(
    "SELECT set_config('app.agency_id', :agency, true), set_config('app.client_id', :client, true)"
)


def _apply(connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    ctx = current_tenant()
    connection.execute(
        _SET_SQL,
        {
            "agency": str(ctx.agency_id) if ctx else "",
            "client": str(ctx.client_id) if ctx and ctx.client_id else "",
        },
    )


def _after_begin(session, transaction, connection) -> None:
    _apply(connection)


def apply_to_open_transaction() -> None:
    """Re-send the settings when the context changes inside an open transaction."""
    from app.extensions import db

    session = db.session()
    if session.in_transaction():
        _apply(session.connection())


def install() -> None:
    event.listen(Session, "after_begin", _after_begin)
    on_tenant_change(apply_to_open_transaction)


# --- policy DDL, used by the migrations -------------------------------------------------------

CURRENT_AGENCY = "NULLIF(current_setting('app.agency_id', true), '')::uuid"
CURRENT_CLIENT = "NULLIF(current_setting('app.client_id', true), '')::uuid"


def policy_condition(client_column: str | None) -> str:
    """Rows of the current agency; for portal sessions, only the current client's rows."""
    condition = f"agency_id = {CURRENT_AGENCY}"
    if client_column:
        # CASE rather than `setting IS NULL OR column = setting`: the planner prices the OR form as matching ~0.5% of
        # rows and then prefers fetching and sorting everything to walking an index for one page.
        condition += f" AND CASE WHEN {CURRENT_CLIENT} IS NULL THEN true ELSE {client_column} = {CURRENT_CLIENT} END"
    return condition


def enable_statements(table: str, client_column: str | None) -> list[str]:
    condition = policy_condition(client_column)
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING ({condition}) WITH CHECK ({condition})",
    ]


def disable_statements(table: str) -> list[str]:
    return [
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]
