"""PostgreSQL row-level security: transaction-local tenant settings and the policy DDL."""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql.expression import ReleaseSavepointClause, RollbackToSavepointClause, SavepointClause

from tenants.context import current_tenant

AGENCY_SETTING = "app.agency_id"
CLIENT_SETTING = "app.client_id"
_SET_SQL = text("SELECT set_config('app.agency_id', :agency, true), set_config('app.client_id', :client, true)")
# The settings the open transaction of a connection carries, kept in the DBAPI connection's info. They are local
# to the transaction (set_config(..., true)) and nothing sets them for a session, so a new transaction starts with
# none: NO_TENANT. A savepoint rolled back may restore older values, so it forgets what is known (sent again).
_APPLIED = "backline_rls_applied"
_APPLYING = "backline_rls_applying"
NO_TENANT = ("", "")
# Savepoint statements run through execute() too; none reads a row, and a ROLLBACK TO SAVEPOINT must reach an aborted
# transaction first: a setting sent ahead of it would fail ("current transaction is aborted").
_TRANSACTION_CONTROL = (SavepointClause, RollbackToSavepointClause, ReleaseSavepointClause)


def _wanted() -> tuple[str, str]:
    ctx = current_tenant()
    if ctx is None:
        return NO_TENANT
    return str(ctx.agency_id), str(ctx.client_id) if ctx.client_id else ""


def _before_execute(conn, clauseelement, multiparams, params, execution_options) -> None:
    """Send the current tenant's settings before a statement, only when the transaction does not carry them yet.

    Once per transaction in the common case (and again only when the tenant context changes inside it), rather than
    at every begin and every change of context whether or not a statement follows.
    """
    if conn.dialect.name != "postgresql" or conn.info.get(_APPLYING) or isinstance(clauseelement, _TRANSACTION_CONTROL):
        return
    applied = conn.info.get(_APPLIED) if conn.in_transaction() else NO_TENANT
    wanted = _wanted()
    if applied == wanted:
        return
    conn.info[_APPLYING] = True
    try:
        conn.execute(_SET_SQL, {"agency": wanted[0], "client": wanted[1]})
    finally:
        conn.info.pop(_APPLYING, None)
    conn.info[_APPLIED] = wanted


def _began(conn) -> None:
    conn.info[_APPLIED] = NO_TENANT


def _forget(conn, *args) -> None:
    conn.info.pop(_APPLIED, None)


def install() -> None:
    event.listen(Engine, "before_execute", _before_execute)
    event.listen(Engine, "begin", _began)
    for name in ("commit", "rollback", "rollback_savepoint"):
        event.listen(Engine, name, _forget)


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
