"""The home pages (agency admin's, staff member's, client user's portal) read in a fixed number of statements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.dashboard.queries import sla_strip
from app.work.queries.lists import sla_counts
from tenants.context import TenantContext, set_tenant
from tests.support import factories as f
from tests.support.statements import assert_same_count
from tests.support.web import load_user, tenant_db

NOW = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
# Upper bounds with room for a statement or two of page chrome; what matters most is that they do not grow.
BOUNDS = {"admin": 16, "staff": 16, "portal": 34}


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=True):
        yield


def add_work(app, world, count: int) -> None:
    """Open tasks of the first client, assigned to the staff member, on an SLA clock; the waiting ones with questions."""
    a = world.a
    with tenant_db(app, a.agency_id):
        for n in range(count):
            waiting = n % 2 == 0
            task = f.TaskFactory(
                agency_id=a.agency_id,
                client_id=a.client_id,
                task_type_id=a.task_type_id,
                queue_id=a.queue_id,
                assignee_id=a.staff.id if n % 3 else a.agency_admin.id,
                status="waiting_on_client" if waiting else "in_progress",
                sla_policy_version_id=a.policy_version_id,
                due_at=NOW + timedelta(days=3),
                resolution_due_at=NOW + timedelta(hours=20 - n),
                resolution_at_risk_at=NOW - timedelta(hours=1),
                sla_paused_since=NOW if waiting else None,
            )
            if waiting:
                for k in range(2):
                    f.CommentFactory(
                        agency_id=a.agency_id,
                        client_id=a.client_id,
                        task_id=task.id,
                        author_id=a.staff.id,
                        body=f"Question {k} on {task.reference}",
                        client_visible=True,
                        created_at=NOW - timedelta(hours=5 - k),
                    )


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


@pytest.mark.parametrize("who", sorted(BOUNDS))
def test_a_home_page_reads_the_same_statements_for_3_or_30_tasks(app, world, as_user, who):
    user = {"admin": world.a.agency_admin, "staff": world.a.staff, "portal": world.a.client_admin}[who]
    client = as_user(user)
    path = "/portal" if who == "portal" else "/"
    add_work(app, world, 3)
    counted = assert_same_count(app, lambda: _ok(client.get(path)), grow=lambda: add_work(app, world, 27))
    assert counted.total <= BOUNDS[who], counted.report()


def test_the_portal_home_shows_the_latest_question_of_each_waiting_request(app, world, as_user):
    add_work(app, world, 4)
    page = _ok(as_user(world.a.client_admin).get("/portal")).get_data(as_text=True)
    assert page.count("Question 1 on") == 2 and "Question 0 on" not in page
    assert page.count("#answer") == 2


def test_the_home_sla_strip_counts_as_the_filtered_lists_do(app, world, as_user):
    add_work(app, world, 6)  # three waiting (paused), three in progress and past their at-risk instant
    assert "across the agency" in _ok(as_user(world.a.agency_admin).get("/")).get_data(as_text=True)
    with tenant_db(app, world.a.agency_id) as session:
        for ref in (world.a.agency_admin, world.a.staff):
            user = load_user(session, ref)
            set_tenant(TenantContext(agency_id=user.agency_id, user_id=user.id, role=user.role))
            strip = sla_strip(user, now=NOW)
            assert strip["mine"] == sla_counts(user, "my_work")
            if ref is world.a.agency_admin:
                assert strip["all"] == sla_counts(user, "tasks")
                # n = 0 and 3 are the admin's: one waiting, one in progress past its at-risk instant
                assert strip["mine"] == {"on_track": 0, "at_risk": 1, "breached": 0, "paused": 1}
                assert (strip["all"]["paused"], strip["all"]["at_risk"]) == (3, 3)
            else:
                assert "all" not in strip
