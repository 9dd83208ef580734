"""Periodic clean-up of an agency's expired links and idempotency keys."""

from worker.runtime import tenant_job


@tenant_job
def purge_expired() -> dict:
    from app.accounts.maintenance import purge_expired_links
    from app.core.idempotency import purge_expired as purge_idempotency_keys

    return {"links": purge_expired_links(), "idempotency_keys": purge_idempotency_keys()}
