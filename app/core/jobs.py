"""Enqueueing jobs by dotted path: held until the unit of work commits, dropped on rollback."""
from __future__ import annotations

import importlib
import logging
import queue
import threading
import uuid
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

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


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released; the unit of work is still open
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        current_app.extensions["backline_jobs"].release([job for _, job in pending])


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


class RQDispatcher:
    """Production: jobs go to Redis and a separate `rq worker` process runs them."""

    def __init__(self, app):
        from redis import Redis

        self.connection = Redis.from_url(app.config["REDIS_URL"])

    def release(self, pending: list[PendingJob]) -> None:
        from rq import Queue, Retry

        for job in pending:
            q = Queue(job.queue, connection=self.connection)
            q.enqueue(
                job.path,
                kwargs=job.kwargs,
                job_id=job.job_id,
                retry=Retry(max=3, interval=[10, 60, 300]) if job.retry else None,
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )


class InProcessDispatcher:
    """Embedded default: one background thread runs released jobs in their own app context."""

    def __init__(self, app):
        self.app = app
        self.queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def release(self, pending: list[PendingJob]) -> None:
        for job in pending:
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
                self.queue.task_done()

    def wait(self) -> None:
        """Block until every released job has run (used by the tests and the seed command)."""
        self.queue.join()


def wait_for_jobs() -> None:
    dispatcher = current_app.extensions["backline_jobs"]
    if isinstance(dispatcher, InProcessDispatcher):
        dispatcher.wait()


_installed = False


def init_app(app) -> None:
    global _installed
    app.extensions["backline_jobs"] = InProcessDispatcher(app) if app.config["JOBS_IN_PROCESS"] else RQDispatcher(app)
    if not _installed:
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
