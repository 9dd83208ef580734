"""The outbox relay: hands over jobs whose unit of work committed while the queue was unreachable."""

from worker.runtime import tenant_job


@tenant_job
def relay_outbox() -> int:
    from app.core.jobs import relay_outbox as relay

    return relay()
