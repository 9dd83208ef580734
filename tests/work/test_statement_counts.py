"""The work lists read in a fixed number of statements, whatever the number of tasks and clients on the page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from app.clients.models import ClientStaff
from app.sla.models import ClientHoliday
from tests.conftest import ON_POSTGRES
from tests.support import factories as f
from tests.support.statements import assert_same_count, request_count
from tests.support.web import bearer, tenant_db

NOW = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
# Upper bounds, with room for a statement or two of chrome; what matters most is that they do not grow (below).
BOUNDS = {"my_work": 18, "queue": 21, "api": 7}


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=True):
        yield


def add_tasks(app, world, clients: int, per_client: int) -> None:
    """More clients the staff member serves, each with tasks in the queue, assigned to them, on an SLA clock."""
    a = world.a
    with tenant_db(app, a.agency_id) as session:
        for _ in range(clients):
            client = f.ClientFactory(agency_id=a.agency_id)
            session.add(ClientStaff(agency_id=a.agency_id, client_id=client.id, user_id=a.staff.id))
            session.add(ClientHoliday(agency_id=a.agency_id, client_id=client.id, day=date(2026, 12, 24), name="Closed"))
            for _ in range(per_client):
                f.TaskFactory(
                    agency_id=a.agency_id,
                    client_id=client.id,
                    task_type_id=a.task_type_id,
                    queue_id=a.queue_id,
                    assignee_id=a.staff.id,
                    due_at=NOW + timedelta(days=3),
                    sla_policy_version_id=a.policy_version_id,
                    resolution_due_at=NOW + timedelta(hours=20),
                    resolution_at_risk_at=NOW + timedelta(hours=15),
                )


def _pages(app, world, as_user):
    staff = as_user(world.a.staff)
    headers = bearer(app, world.a.staff)
    return {
        "my_work": lambda: _ok(staff.get("/work")),
        "queue": lambda: _ok(staff.get(f"/queues/{world.a.queue_id}/tasks")),
        "api": lambda: _ok(staff.get("/api/v1/tasks?limit=50", headers=headers)),
    }


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


@pytest.mark.parametrize("page", sorted(BOUNDS))
def test_a_list_page_reads_the_same_statements_for_3_or_30_tasks(app, world, as_user, page):
    add_tasks(app, world, clients=1, per_client=1)  # a client with its own calendar from the start
    call = _pages(app, world, as_user)[page]
    counted = assert_same_count(app, call, grow=lambda: add_tasks(app, world, clients=9, per_client=3))
    assert counted.total <= BOUNDS[page], counted.report()


@pytest.mark.skipif(not ON_POSTGRES, reason="the row-level security settings exist on PostgreSQL only")
@pytest.mark.parametrize("page", sorted(BOUNDS))
def test_a_list_request_sends_the_tenant_settings_once(app, world, as_user, page):
    call = _pages(app, world, as_user)[page]
    call()
    counted = request_count(app, call)
    assert counted.count("set_config") == 1, counted.report()
