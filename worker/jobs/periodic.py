"""Fan a periodic job out to every active agency, each run in that agency's tenant context."""

from worker.runtime import app_job


@app_job
def fan_out(path: str) -> int:
    from sqlalchemy import select

    from app.core import jobs
    from app.extensions import db
    from tenants.models import Agency

    agency_ids = db.session.scalars(select(Agency.id).where(Agency.suspended_at.is_(None))).all()
    for agency_id in agency_ids:
        jobs.enqueue(path, agency_id=agency_id)
    db.session.commit()  # releases the queued per-agency jobs
    return len(agency_ids)
