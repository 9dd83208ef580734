"""Jobs: released after commit, dropped on rollback, run in the job's tenant, by a real worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app.accounts import services
from app.accounts.models import Invitation
from app.core import jobs
from app.core.jobs import wait_for_jobs
from app.extensions import db
from tenants.context import TenantContext, set_tenant
from tests.conftest import ON_POSTGRES

ROOT = Path(__file__).resolve().parents[2]


def _invite(world, email="new.person@a.test"):
    set_tenant(TenantContext(agency_id=world.a.agency_id, user_id=world.a.agency_admin.id, role="agency_admin"))
    from app.accounts.models import User

    admin = db.session.get(User, (world.a.agency_id, world.a.agency_admin.id))
    user, invitation = services.invite_user(email=email, name="New Person", role="staff", invited_by=admin)
    return invitation


def _queued_job_count(app) -> int:
    from redis import Redis
    from rq import Queue

    return Queue("default", connection=Redis.from_url(app.config["REDIS_URL"])).count


def run_worker_burst(app) -> subprocess.CompletedProcess:
    """Run the production worker process (`python -m worker run --burst`) until the queue is empty."""
    env = dict(os.environ)
    env["MAIL_URL"] = app.config.get("MAIL_URL") or ""
    env["PUBLIC_URL"] = app.config["PUBLIC_URL"]
    env["MAIL_FROM"] = app.config["MAIL_FROM"]
    return subprocess.run(
        [sys.executable, "-m", "worker", "run", "default", "--burst"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def drain(app) -> None:
    """Run whatever the unit of work released: in-process on the default, a real RQ worker on Redis."""
    with app.app_context():
        wait_for_jobs()
    if ON_POSTGRES:
        result = run_worker_burst(app)
        assert result.returncode == 0, result.stderr


def _emailed_at(app, world, invitation_id):
    with app.app_context():
        set_tenant(TenantContext(agency_id=world.a.agency_id))
        return db.session.scalar(select(Invitation.emailed_at).where(Invitation.id == invitation_id))


def test_jobs_are_released_after_commit_and_run(app, world):
    with app.app_context():
        invitation = _invite(world)
        invitation_id = invitation.id
        db.session.commit()
    drain(app)
    assert _emailed_at(app, world, invitation_id) is not None
    mail_dir = Path(app.config["MAIL_DIR"])
    if not ON_POSTGRES:  # the worker process of the PostgreSQL run writes to its own instance folder
        assert any("new.person@a.test" in p.read_text() for p in mail_dir.glob("*.eml"))


def test_jobs_are_dropped_on_rollback(app, world):
    with app.app_context():
        invitation = _invite(world, "never.sent@a.test")
        invitation_id = invitation.id
        db.session.rollback()
        wait_for_jobs()
        if ON_POSTGRES:
            assert _queued_job_count(app) == 0
    assert _emailed_at(app, world, invitation_id) is None


def test_jobs_wait_for_the_commit(app, world):
    with app.app_context():
        _invite(world, "pending@a.test")
        assert [job.path for job in jobs.pending_jobs()] == ["worker.jobs.mail.send_invitation"]
        if ON_POSTGRES:
            assert _queued_job_count(app) == 0
        db.session.rollback()
        assert jobs.pending_jobs() == []


def test_savepoints_neither_release_nor_drop_the_outer_jobs(app, world):
    with app.app_context():
        _invite(world, "outer@a.test")
        with db.session.begin_nested():
            jobs.enqueue("worker.jobs.mail.send_invitation", agency_id=world.a.agency_id, invitation_id="kept")
        assert len(jobs.pending_jobs()) == 2  # a released SAVEPOINT is not the commit
        try:
            with db.session.begin_nested():
                jobs.enqueue("worker.jobs.mail.send_invitation", agency_id=world.a.agency_id, invitation_id="dropped")
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
        assert [job.kwargs["invitation_id"] for job in jobs.pending_jobs()][1:] == ["kept"]
        if ON_POSTGRES:
            assert _queued_job_count(app) == 0
        db.session.rollback()
        assert jobs.pending_jobs() == []


def test_a_job_runs_in_its_agency_and_is_idempotent(app, world):
    from worker.jobs.mail import send_invitation

    with app.app_context():
        invitation = _invite(world, "twice@a.test")
        invitation_id = invitation.id
        db.session.commit()
        wait_for_jobs()
    drain(app)
    with app.app_context():
        assert send_invitation(agency_id=str(world.a.agency_id), invitation_id=str(invitation_id)) == "skipped"
        # The same id under another agency's context finds nothing: jobs are tenant-scoped.
        assert send_invitation(agency_id=str(world.b.agency_id), invitation_id=str(invitation_id)) == "missing"


def test_jobs_of_a_suspended_agency_do_nothing(app, world):
    from app.agencies.services import set_suspended
    from worker.jobs.mail import send_invitation

    with app.app_context():
        invitation = _invite(world, "frozen@a.test")
        invitation_id = invitation.id
        jobs.discard_pending()
        set_suspended(world.a.slug, True)
        db.session.commit()
        assert send_invitation(agency_id=str(world.a.agency_id), invitation_id=str(invitation_id)) == "skipped"
    assert _emailed_at(app, world, invitation_id) is None


@pytest.mark.skipif(not ON_POSTGRES, reason="the RQ worker runs against Redis in the PostgreSQL run")
def test_periodic_fan_out_runs_per_agency_on_the_rq_worker(app, world):
    from datetime import timedelta

    from app.accounts.models import PasswordReset
    from app.core.types import utcnow
    from worker.jobs.periodic import fan_out

    with app.app_context():
        for agency in (world.a, world.b):
            set_tenant(TenantContext(agency_id=agency.agency_id))
            db.session.add(PasswordReset(user_id=agency.staff.id, expires_at=utcnow() - timedelta(days=30)))
            db.session.commit()
        assert fan_out("worker.jobs.housekeeping.purge_expired") == 2
        assert _queued_job_count(app) == 2
    result = run_worker_burst(app)
    assert result.returncode == 0, result.stderr
    with app.app_context():
        for agency in (world.a, world.b):
            set_tenant(TenantContext(agency_id=agency.agency_id))
            old = db.session.scalars(select(PasswordReset).where(PasswordReset.expires_at < utcnow() - timedelta(days=7))).all()
            assert old == []
            db.session.rollback()


def test_periodic_fan_out_runs_in_process_on_the_default(app, world):
    if ON_POSTGRES:
        pytest.skip("covered by the RQ worker test in the PostgreSQL run")
    from datetime import timedelta

    from app.accounts.models import PasswordReset
    from app.core.types import utcnow
    from worker.jobs.periodic import fan_out

    with app.app_context():
        set_tenant(TenantContext(agency_id=world.a.agency_id))
        db.session.add(PasswordReset(user_id=world.a.staff.id, expires_at=utcnow() - timedelta(days=30)))
        db.session.commit()
        assert fan_out("worker.jobs.housekeeping.purge_expired") == 2
        wait_for_jobs()
        set_tenant(TenantContext(agency_id=world.a.agency_id))
        assert db.session.scalars(select(PasswordReset).where(PasswordReset.expires_at < utcnow() - timedelta(days=7))).all() == []
