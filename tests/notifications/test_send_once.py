"""A notification email survives a worker killed mid-send (`kill -9` of a real RQ worker): it arrives once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.core import jobs
from app.core.types import utcnow
from app.notifications.models import Notification
from app.notifications.services import notify
from tests.notifications.conftest import in_agency
from tests.support import app_process
from tests.support.smtp import Inbox, free_port

ROOT = Path(__file__).resolve().parents[2]
SEND_JOB = "worker.jobs.notifications.send_notification_email"


class StallingInbox(Inbox):
    """Keeps messages like the suite's inbox, but stalls at one phase until released, so a test can kill the sender.

    At "DATA" the message is already received (and kept) when the server stalls before its reply, which is the
    moment a real MTA has queued the message but the sender has not yet heard so.
    """

    def __init__(self, phase: str):
        super().__init__()
        self.phase = phase
        self.reached = threading.Event()
        self.release = threading.Event()

    async def _stall(self):
        self.reached.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.phase == "RCPT":
            await self._stall()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if self.phase == "DATA":
            await self._stall()
        return reply


@pytest.fixture
def redis_url():
    url = app_process.reachable_redis_url()
    if url is None:
        pytest.skip("needs Redis at 127.0.0.1:6379 (or TEST_REDIS_URL) for a real RQ worker")
    return url


def _notification(app, world) -> uuid.UUID:
    with in_agency(app, world.a.agency_id):
        [note] = notify("assigned", [world.a.staff.id], title="BK-1 Payroll run for March", url="/tasks/x")
        jobs.discard_pending()  # sent by the worker this test controls, not by the app's own dispatcher
        return note.id


def _state(app, world, note_id) -> Notification:
    with in_agency(app, world.a.agency_id) as session:
        note = session.scalar(select(Notification).where(Notification.id == note_id))
        session.expunge(note)
        return note


def _kill_worker_mid_send(app, world, redis_url, phase: str):
    """Start a real worker on a queue of this test's own, stall the SMTP server at `phase`, and `kill -9` it there."""
    from redis import Redis
    from rq import Queue

    note_id = _notification(app, world)
    queue_name = f"send-once-{uuid.uuid4().hex}"
    Queue(queue_name, connection=Redis.from_url(redis_url)).enqueue(
        SEND_JOB, kwargs={"agency_id": str(world.a.agency_id), "notification_id": str(note_id)}
    )
    inbox = StallingInbox(phase)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = {**os.environ, "REDIS_URL": redis_url, "MAIL_URL": f"smtp://127.0.0.1:{controller.port}", "PUBLIC_URL": app.config["PUBLIC_URL"]}
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker", "run", queue_name], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert inbox.reached.wait(90), "the worker never reached the SMTP server"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
        inbox.release.set()
    return note_id, inbox, controller, queue_name


def _rerun(app, world, note_id, redis_url, queue_name, inbox_url):
    """What a deployment does next: the worker comes back, RQ retries the job, and the minute sweep runs."""
    from redis import Redis
    from rq import Queue

    from worker.jobs.notifications import resume_interrupted_emails, send_notification_email

    Queue(queue_name, connection=Redis.from_url(redis_url)).enqueue(
        SEND_JOB, kwargs={"agency_id": str(world.a.agency_id), "notification_id": str(note_id)}
    )
    env = {**os.environ, "REDIS_URL": redis_url, "MAIL_URL": inbox_url, "PUBLIC_URL": app.config["PUBLIC_URL"]}
    result = subprocess.run(
        [sys.executable, "-m", "worker", "run", queue_name, "--burst"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    # A minute after the crash the sweep finds the interrupted send, if it may be sent again, and the job runs.
    app.config["MAIL_URL"] = inbox_url
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        with app.app_context():
            # The sweep's queued send is run right below, as its job would: queued for real, it would run on the
            # embedded default's job thread and race this call (which would then find the claim held: "busy").
            queued = []
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(jobs, "enqueue", lambda path, **kwargs: queued.append((path, kwargs["notification_id"])))
                resumed = resume_interrupted_emails(agency_id=str(world.a.agency_id))
            assert queued == [(SEND_JOB, note_id)] * resumed
            outcome = send_notification_email(agency_id=str(world.a.agency_id), notification_id=str(note_id))
    return resumed, outcome


def test_a_worker_killed_after_handing_the_message_over_does_not_send_it_twice(app, world, redis_url):
    note_id, inbox, controller, queue_name = _kill_worker_mid_send(app, world, redis_url, "DATA")
    try:
        assert len(inbox.to(world.a.staff.email)) == 1  # the server has the message; the worker never heard so
        note = _state(app, world, note_id)
        assert note.emailed_at is None and note.email_handed_at is not None
        resumed, outcome = _rerun(app, world, note_id, redis_url, queue_name, f"smtp://127.0.0.1:{controller.port}")
    finally:
        controller.stop()
    assert (resumed, outcome) == (0, "uncertain")
    assert len(inbox.to(world.a.staff.email)) == 1  # at most once: the retry did not send it again


def test_a_worker_killed_before_the_hand_over_is_resumed_and_sends_once(app, world, redis_url):
    note_id, inbox, controller, queue_name = _kill_worker_mid_send(app, world, redis_url, "RCPT")
    try:
        assert inbox.to(world.a.staff.email) == []  # killed before DATA: provably nothing went out
        note = _state(app, world, note_id)
        assert note.email_claimed_at is not None and note.email_handed_at is None and note.emailed_at is None
        # The immediate retry finds the claim still within its lease and leaves it; the sweep a minute later sends.
        resumed, outcome = _rerun(app, world, note_id, redis_url, queue_name, f"smtp://127.0.0.1:{controller.port}")
    finally:
        controller.stop()
    assert (resumed, outcome) == (1, "sent")
    [message] = inbox.to(world.a.staff.email)
    assert message["Subject"] == "BK-1 Payroll run for March"
    assert _state(app, world, note_id).emailed_at is not None
