"""The tenancy kernel: context, resolution, scoping, row-level security and the tenant models."""


def init_app(app):
    """Install the ORM scoping events and the security-event writer."""
    from app.core import jobs, uow
    from tenants import scoping, security
    from tenants.context import current_tenant

    scoping.install()
    uow.on_unit_end(security.write_pending_events)
    # The outbox row of a job is written under row-level security: only for the agency the transaction acts for.
    jobs.set_transaction_agency(lambda: current_tenant().agency_id if current_tenant() else None)
