"""The job outbox: jobs written in the same transaction as their unit of work, kept until a queue has them."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import JSON, Boolean, Index, String, delete, select, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import TenantModel
from app.core.types import UTCDateTime, utcnow
from app.extensions import db

log = logging.getLogger(__name__)

# The relay leaves younger rows to the web process that committed them (it hands them over right after its commit),
# so a row normally reaches the queue once; an older row's hand-over failed (Redis down, process killed).
RELAY_GRACE = timedelta(seconds=30)
RELAY_BATCH = 500


class OutboxJob(TenantModel):
    """A job released by a committed unit of work and not yet accepted by a queue."""

    __tablename__ = "job_outbox"
    __table_args__ = (Index("ix_job_outbox_agency_created", "agency_id", "created_at"),)
    id_param = "outbox_job_id"

    path: Mapped[str] = mapped_column(String(200))
    kwargs: Mapped[dict] = mapped_column(JSON, default=dict)
    queue: Mapped[str] = mapped_column(String(64), default="default")
    retry: Mapped[bool] = mapped_column(Boolean, default=True)
    job_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def forget(agency_id, ids: list[uuid.UUID]) -> None:
    """Delete rows a queue has accepted, in a transaction of their own (the unit of work has committed already)."""
    if not ids:
        return
    table = OutboxJob.__table__
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Row-level security: this fresh transaction carries no tenant setting until it is given one.
            connection.execute(text("SELECT set_config('app.agency_id', :agency, true)"), {"agency": str(agency_id)})
        connection.execute(delete(table).where(table.c.agency_id == agency_id, table.c.id.in_(ids)))


def left_over(now: datetime | None = None) -> list[OutboxJob]:
    """The current agency's jobs whose hand-over after commit did not happen, oldest first."""
    cutoff = (now or utcnow()) - RELAY_GRACE
    stmt = select(OutboxJob).where(OutboxJob.created_at <= cutoff).order_by(OutboxJob.created_at).limit(RELAY_BATCH)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # two relays at once take different rows
    return list(db.session.scalars(stmt))


def remove(rows: list[OutboxJob]) -> None:
    for row in rows:
        db.session.delete(row)
    db.session.flush()
