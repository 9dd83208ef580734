"""Periodic SLA sweep for one agency: record every at-risk and breach crossing due by now."""

from worker.runtime import tenant_job


@tenant_job
def sweep_sla() -> dict:
    from app.sla.sweep import record_crossings

    return record_crossings()
