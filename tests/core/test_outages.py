"""Redis or the database unreachable: requests still answer (or say 503), and no committed job is lost."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.core.outbox import OutboxJob
from app.core.types import utcnow
from app.extensions import db
from tenants.context import TenantContext, tenant_scope
from tests.conftest import ON_POSTGRES
from tests.support import app_process
from tests.support.factories import PASSWORD
from tests.support.smtp import free_port
from tests.worker.test_jobs import drain


def _outbox(app, agency_id) -> list[OutboxJob]:
    with app.app_context(), tenant_scope(TenantContext(agency_id=agency_id)):
        rows = list(db.session.scalars(select(OutboxJob)))
        db.session.expunge_all()
        return rows


def _sign_in(world, password=PASSWORD, remote_addr="127.0.0.1") -> dict:
    return {
        "method": "POST",
        "path": "/sign-in",
        "remote_addr": remote_addr,
        "data": {"workspace": world.a.slug, "email": world.a.agency_admin.email, "password": password},
    }


def test_with_redis_down_sign_in_api_and_writes_answer_and_the_jobs_wait_in_the_outbox(app, world, smtp):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    responses, log = app_process.run(
        [
            _sign_in(world),
            {"path": "/api/v1/me"},
            {"path": "/api/v1/tasks"},
            {"method": "POST", "path": f"/tasks/{world.a.task_id}/assign", "data": {"assignee_id": ""}},
            {"method": "POST", "path": f"/tasks/{world.a.task_id}/assign", "data": {"assignee_id": str(world.a.staff.id)}},
        ],
        env={"REDIS_URL": closed},
    )
    assert [r["status"] for r in responses] == [302, 200, 200, 302, 302], [r["body"][:300] for r in responses]
    assert json.loads(responses[1]["body"])["email"] == world.a.agency_admin.email
    assert "the outbox keeps it" in log  # the refused hand-over is logged, not raised

    # The assignment committed with its email job in the outbox, and nothing was sent yet.
    [row] = [row for row in _outbox(app, world.a.agency_id) if row.path.endswith("send_notification_email")]
    assert smtp.inbox.to(world.a.staff.email) == []

    # Redis is back: the periodic relay hands the job over (in-process on the default, to Redis and a real RQ
    # worker in the PostgreSQL run), the email goes out once and the outbox is empty.
    from worker.jobs.outbox import relay_outbox

    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        with app.app_context():
            assert relay_outbox(agency_id=str(world.a.agency_id)) >= 1
        drain(app)
    assert len(smtp.inbox.to(world.a.staff.email)) == 1
    assert _outbox(app, world.a.agency_id) == []
    with app.app_context():
        from worker.jobs.outbox import relay_outbox as again

        assert again(agency_id=str(world.a.agency_id)) == 0
    drain(app)
    assert len(smtp.inbox.to(world.a.staff.email)) == 1


def test_with_redis_down_the_sign_in_limit_still_counts_in_memory(app, world):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    responses, log = app_process.run([_sign_in(world, "wrong-password")] * 4, env={"REDIS_URL": closed, "LOGIN_IP_LIMIT": "3 per 15 minutes"})
    assert [r["status"] for r in responses][:3] != [500] * 3
    assert responses[-1]["status"] == 429
    assert all(r["status"] != 500 for r in responses)


def test_a_committed_unit_writes_its_jobs_to_the_outbox_and_the_hand_over_removes_them(app, world):
    from app.core import jobs
    from app.core.jobs import wait_for_jobs
    from app.notifications.services import notify

    waiting = [row.id for row in _outbox(app, world.a.agency_id)]  # the world's own outbox row
    with app.app_context(), tenant_scope(TenantContext(agency_id=world.a.agency_id)):
        notify("assigned", [world.a.staff.id], title="Rolled back", url="/")
        assert jobs.pending_jobs()
        db.session.rollback()
    assert [row.id for row in _outbox(app, world.a.agency_id)] == waiting

    dispatcher = app.extensions["backline_jobs"]
    if ON_POSTGRES:
        return  # the hand-over to Redis is covered by the outage test above
    held = []
    original = dispatcher.release
    dispatcher.release = held.extend  # hold the hand-over, as a process killed right after its commit would
    try:
        with app.app_context(), tenant_scope(TenantContext(agency_id=world.a.agency_id)):
            notify("assigned", [world.a.staff.id], title="Kept", url="/")
            db.session.commit()
    finally:
        dispatcher.release = original
    [row] = [row for row in _outbox(app, world.a.agency_id) if row.id not in waiting]
    assert row.path == "worker.jobs.notifications.send_notification_email"
    assert row.kwargs["agency_id"] == str(world.a.agency_id)
    dispatcher.release(held)
    with app.app_context():
        wait_for_jobs()
    assert [row.id for row in _outbox(app, world.a.agency_id)] == waiting


def test_with_the_database_unreachable_api_and_pages_answer_503_with_retry_after(app, world):
    closed = f"postgresql://backline_app@127.0.0.1:{free_port()}/backline"
    bearer = {"Authorization": f"Bearer bl_{world.a.agency_id.hex}_any-secret"}  # well-formed: its agency is looked up
    responses, _ = app_process.run(
        [
            {"path": "/api/v1/tasks", "headers": bearer},
            {"path": "/api/v1/me", "headers": bearer},
            {"path": f"/brand/logo/{world.a.slug}"},
            _sign_in(world),
            {"path": "/healthz"},
        ],
        env={"DATABASE_URL": closed},
    )
    api, me, logo, page, health = responses
    for response in (api, me):
        assert response["status"] == 503, response["body"]
        assert int(response["headers"]["Retry-After"]) > 0  # 30 s, or the rate-limit window if later
        error = json.loads(response["body"])["error"]
        assert error["code"] == "unavailable" and error["message"]
    for response in (logo, page):
        assert response["status"] == 503, response["body"][:500]
        assert int(response["headers"]["Retry-After"]) > 0  # 30 s, or the rate-limit window if later
        assert response["headers"]["Content-Type"].startswith("text/html")
        assert "Temporarily unavailable" in response["body"]
        assert "Traceback" not in response["body"]
    assert health["status"] == 503
