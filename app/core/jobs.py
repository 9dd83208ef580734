"""Enqueueing jobs by dotted path: written to the outbox with the unit of work, handed to a queue after its commit."""

from __future__ import annotations

import importlib
import logging
import queue
import threading
import uuid
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from app.core.ids import new_id
from app.extensions import db

log = logging.getLogger(__name__)
PENDING_KEY = "backline_pending_jobs"


@dataclass
class PendingJob:
    path: str
    kwargs: dict
    queue: str = "default"
    retry: bool = True
    job_id: str | None = None
    extra: dict = field(default_factory=dict)
    # The job's outbox row, once the unit of work wrote one; deleted when a queue has accepted the job.
    outbox_id: uuid.UUID | None = None

    @property
    def agency_id(self) -> str | None:
        return self.kwargs.get("agency_id")


def enqueue(path: str, *, queue_name: str = "default", retry: bool = True, job_id: str | None = None, **kwargs) -> None:
    """Queue `path(**kwargs)` to run after the current unit of work commits.

    Arguments must be JSON-friendly; UUIDs are passed as strings. Tenant jobs take `agency_id`.
    """
    clean = {key: str(value) if isinstance(value, uuid.UUID) else value for key, value in kwargs.items()}
    session = db.session()
    # Remember the innermost transaction: a SAVEPOINT that rolls back drops only the jobs queued inside it.
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(PENDING_KEY, []).append((transaction, PendingJob(path, clean, queue_name, retry, job_id)))


def pending_jobs() -> list[PendingJob]:
    """The jobs this unit of work will release when it commits."""
    return [job for _, job in db.session().info.get(PENDING_KEY, [])]


def discard_pending() -> None:
    """Drop the jobs queued so far in this unit of work (e.g. no emails for seeded demo history)."""
    db.session().info.pop(PENDING_KEY, None)


def _within(transaction, ended) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _no_agency():
    return None


_transaction_agency = _no_agency


def set_transaction_agency(provider) -> None:
    """Tell the outbox which agency the current transaction acts for (the tenancy kernel provides it)."""
    global _transaction_agency
    _transaction_agency = provider


def _before_commit(session: Session) -> None:
    """Write the unit's jobs to the outbox inside its transaction, so a committed change never loses its jobs.

    Only jobs of the agency whose tenant context the transaction carries are written (row-level security allows no
    other); the rest (the per-agency fan-out of periodic jobs, which the next tick re-creates) go to the queue directly.
    """
    if session.in_nested_transaction():
        return
    pending = session.info.get(PENDING_KEY)
    if not pending:
        return
    from app.core.outbox import OutboxJob
    from app.core.types import utcnow

    agency_id = _transaction_agency()
    if agency_id is None:
        return
    rows = []
    for _, job in pending:
        if job.outbox_id is None and job.agency_id == str(agency_id):
            job.outbox_id = new_id()
            rows.append(
                {
                    "agency_id": agency_id,
                    "id": job.outbox_id,
                    "path": job.path,
                    "kwargs": job.kwargs,
                    "queue": job.queue,
                    "retry": job.retry,
                    "job_id": job.job_id,
                    "created_at": utcnow(),
                }
            )
    if rows:
        session.execute(insert(OutboxJob.__table__), rows)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released; the unit of work is still open
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    try:
        current_app.extensions["backline_jobs"].release([job for _, job in pending])
    except Exception:  # the change is committed: a failed hand-over must not turn it into an error
        log.exception("jobs could not be handed over after commit; the outbox keeps them for the relay")


def _after_rollback(session: Session, ended) -> None:
    pending = session.info.get(PENDING_KEY)
    if not pending:
        return
    kept = [(transaction, job) for transaction, job in pending if not _within(transaction, ended)]
    if kept and ended.nested:
        session.info[PENDING_KEY] = kept
    else:
        session.info.pop(PENDING_KEY, None)


def resolve(path: str):
    module_name, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def _forget_handed_over(handed: list[PendingJob]) -> None:
    by_agency: dict[str, list[uuid.UUID]] = {}
    for job in handed:
        if job.outbox_id is not None:
            by_agency.setdefault(job.agency_id, []).append(job.outbox_id)
    from app.core import outbox

    for agency_id, ids in by_agency.items():
        try:
            outbox.forget(uuid.UUID(agency_id), ids)
        except Exception:  # the rows stay; the relay hands them over again and the jobs are idempotent
            log.exception("outbox rows of handed-over jobs could not be deleted")


class RQDispatcher:
    """Production: jobs go to Redis and a separate `rq worker` process runs them."""

    # Connect and answer quickly: a request that committed must not hang on an unreachable Redis.
    SOCKET_TIMEOUT = 2

    def __init__(self, app):
        from redis import Redis

        self.connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=self.SOCKET_TIMEOUT, socket_timeout=self.SOCKET_TIMEOUT)

    def hand_over(self, pending: list[PendingJob]) -> list[PendingJob]:
        """Enqueue each job; the ones Redis accepted. A refusal is logged, never raised: the outbox keeps the job."""
        from redis.exceptions import RedisError
        from rq import Queue, Retry

        handed, unreachable = [], None
        for job in pending:
            if unreachable is not None:
                # One refusal is enough: the rest wait in the outbox rather than each waiting for its own timeout.
                self._kept(job, unreachable)
                continue
            try:
                Queue(job.queue, connection=self.connection).enqueue(
                    job.path,
                    kwargs=job.kwargs,
                    job_id=job.job_id,
                    retry=Retry(max=3, interval=[10, 60, 300]) if job.retry else None,
                    result_ttl=3600,
                    failure_ttl=7 * 24 * 3600,
                )
            except (RedisError, OSError) as error:
                unreachable = error
                self._kept(job, error)
                continue
            handed.append(job)
        return handed

    @staticmethod
    def _kept(job: PendingJob, error: Exception) -> None:
        if job.outbox_id is None:
            log.error("job %s could not be enqueued (%s); it was not in the outbox and is dropped", job.path, error)
        else:
            log.warning("job %s could not be enqueued (%s); the outbox keeps it", job.path, error)

    def release(self, pending: list[PendingJob]) -> None:
        _forget_handed_over(self.hand_over(pending))

    def relay(self, pending: list[PendingJob]) -> list[PendingJob]:
        """Hand over outbox jobs; the ones whose rows the relay may delete now."""
        return self.hand_over(pending)


class InProcessDispatcher:
    """Embedded default: one background thread runs released jobs in their own app context."""

    def __init__(self, app):
        self.app = app
        self.queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._held: set[uuid.UUID] = set()  # outbox rows queued here and not yet run (the relay leaves them)

    def release(self, pending: list[PendingJob]) -> None:
        for job in pending:
            if job.outbox_id is not None:
                with self._lock:
                    self._held.add(job.outbox_id)
            self.queue.put(job)
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="backline-jobs", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            job = self.queue.get()
            try:
                with self.app.app_context():
                    resolve(job.path)(**job.kwargs)
            except Exception:  # a failed job must not stop the runner; it is logged with its path
                log.exception("in-process job %s failed", job.path)
            finally:
                # The job ran (or failed, as on RQ once its retries are spent): its outbox row is done with.
                if job.outbox_id is not None:
                    with self.app.app_context():
                        _forget_handed_over([job])
                    with self._lock:
                        self._held.discard(job.outbox_id)
                self.queue.task_done()

    def relay(self, pending: list[PendingJob]) -> list[PendingJob]:
        """Queue outbox jobs left by a process that stopped; their rows go once they have run."""
        with self._lock:
            fresh = [job for job in pending if job.outbox_id not in self._held]
        self.release(fresh)
        return []

    def wait(self) -> None:
        """Block until every released job has run (used by the tests and the seed command)."""
        self.queue.join()


def relay_outbox() -> int:
    """Hand over the current agency's outbox jobs that their unit of work could not (run every minute)."""
    from app.core import outbox

    rows = outbox.left_over()
    pending = [PendingJob(row.path, dict(row.kwargs), row.queue, row.retry, row.job_id, outbox_id=row.id) for row in rows]
    done = {job.outbox_id for job in current_app.extensions["backline_jobs"].relay(pending)}
    outbox.remove([row for row in rows if row.id in done])
    return len(pending)


def wait_for_jobs() -> None:
    dispatcher = current_app.extensions["backline_jobs"]
    if isinstance(dispatcher, InProcessDispatcher):
        dispatcher.wait()


_installed = False


def init_app(app) -> None:
    global _installed
    app.extensions["backline_jobs"] = InProcessDispatcher(app) if app.config["JOBS_IN_PROCESS"] else RQDispatcher(app)
    if not _installed:
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
        _installed = True


def start_periodic_thread(app, schedule_path: str = "worker.schedule.PERIODIC", tick_seconds: float = 30.0) -> threading.Thread:
    """Embedded default: run the periodic schedule on a daemon thread of the web process.

    The schedule is read by dotted path (the app never imports the worker package directly).
    """
    import time

    module_name, _, attr = schedule_path.rpartition(".")
    schedule = getattr(importlib.import_module(module_name), attr)
    fan_out = resolve("worker.jobs.periodic.fan_out")
    last_run: dict[str, float] = {}

    def loop():
        while True:
            now = time.monotonic()
            for name, seconds, path in schedule:
                if now - last_run.get(name, float("-inf")) >= seconds:
                    last_run[name] = now
                    try:
                        with app.app_context():
                            fan_out(path)
                    except Exception:  # keep the schedule alive; the failure is logged
                        log.exception("periodic job %s failed", name)
            time.sleep(tick_seconds)

    thread = threading.Thread(target=loop, name="backline-periodic", daemon=True)
    thread.start()
    return thread
