"""Background CSV exports of task lists: one job per export, for the agency it belongs to."""

import uuid

from worker.runtime import tenant_job


@tenant_job
def export_tasks(export_id: str) -> str:
    from app.work.services.exports import run

    return run(uuid.UUID(export_id))
