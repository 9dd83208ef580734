"""Periodic clean-up of an agency's expired links."""
from worker.runtime import tenant_job


@tenant_job
def purge_expired_links() -> int:
    from app.accounts.maintenance import purge_expired_links as purge

    return purge()
