"""SLA states: the list filter (SQL) and the badge (Python) agree on every kind of clock; the lists show them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.types import utcnow
from app.work.models import PRIORITY_RANK, Task
from app.work.queries.sla_state import FILTER_STATES, state_of
from tests.support import factories as f
from tests.support.web import tenant_db

NOW = utcnow()
H = timedelta(hours=1)
CLOCKS = {  # title: (status, clock columns)
    "No SLA": ("in_progress", {}),
    "On track": ("in_progress", {"resolution_due_at": NOW + 5 * H, "resolution_at_risk_at": NOW + 2 * H}),
    "At risk": ("in_progress", {"resolution_due_at": NOW + 2 * H, "resolution_at_risk_at": NOW - H}),
    "Response at risk": (
        "new",
        {
            "resolution_due_at": NOW + 9 * H,
            "resolution_at_risk_at": NOW + 6 * H,
            "first_response_due_at": NOW + H,
            "first_response_at_risk_at": NOW - H,
        },
    ),
    "Responded": (
        "in_progress",
        {
            "resolution_due_at": NOW + 9 * H,
            "resolution_at_risk_at": NOW + 6 * H,
            "first_response_due_at": NOW - H,
            "first_response_at_risk_at": NOW - 2 * H,
            "first_responded_at": NOW - 3 * H,
        },
    ),
    "Overdue, not yet swept": ("in_progress", {"resolution_due_at": NOW - H, "resolution_at_risk_at": NOW - 2 * H}),
    "Response overdue": ("new", {"resolution_due_at": NOW + 9 * H, "first_response_due_at": NOW - H}),
    "Breach recorded, due moved out": ("in_progress", {"resolution_due_at": NOW + 9 * H, "resolution_breached_at": NOW - H}),
    "Paused": ("waiting_on_client", {"resolution_due_at": NOW + H, "resolution_at_risk_at": NOW - H, "sla_paused_since": NOW - 2 * H}),
    "Paused after its due": ("waiting_on_client", {"resolution_due_at": NOW - 3 * H, "sla_paused_since": NOW - 2 * H}),
    "Met": ("done", {"resolution_due_at": NOW - H, "resolved_at": NOW - 2 * H, "sla_paused_since": NOW - 2 * H, "closed_at": NOW - 2 * H}),
    "Done late": (
        "done",
        {
            "resolution_due_at": NOW - 3 * H,
            "resolution_breached_at": NOW - 3 * H,
            "resolved_at": NOW - H,
            "sla_paused_since": NOW - H,
            "closed_at": NOW - H,
        },
    ),
    "Cancelled": ("cancelled", {"resolution_due_at": NOW + H, "sla_paused_since": NOW - H, "closed_at": NOW - H}),
}
EXPECTED = {
    "No SLA": "none",
    "On track": "on_track",
    "At risk": "at_risk",
    "Response at risk": "at_risk",
    "Responded": "on_track",
    "Overdue, not yet swept": "breached",
    "Response overdue": "breached",
    "Breach recorded, due moved out": "breached",
    "Paused": "paused",
    "Paused after its due": "breached",
    "Met": "met",
    "Done late": "breached",
    "Cancelled": "stopped",
}


@pytest.fixture
def clocked(app, world):
    with tenant_db(app, world.a.agency_id):
        for title, (status, columns) in CLOCKS.items():
            f.TaskFactory(
                agency_id=world.a.agency_id,
                client_id=world.a.client_id,
                task_type_id=world.a.task_type_id,
                queue_id=world.a.queue_id,
                title=title,
                status=status,
                priority="normal",
                priority_rank=PRIORITY_RANK["normal"],
                **columns,
            )


def test_python_states(app, world, clocked):
    with tenant_db(app, world.a.agency_id) as session:
        states = {t.title: state_of(t, NOW) for t in session.scalars(select(Task).where(Task.title.in_(CLOCKS)))}
    assert states == EXPECTED


@pytest.mark.parametrize("state", FILTER_STATES)
def test_the_list_filter_matches_the_python_state(app, world, as_user, clocked, state):
    response = as_user(world.a.agency_admin).get(f"/api/v1/tasks?sla={state}&status=all&limit=200")
    assert response.status_code == 200, response.get_json()
    titles = {item["title"] for item in response.get_json()["items"]}
    assert titles == {title for title, expected in EXPECTED.items() if expected == state}
    assert all(item["sla"]["state"] == state for item in response.get_json()["items"])


def test_an_unknown_sla_state_is_a_clear_422(world, as_user):
    response = as_user(world.a.agency_admin).get("/api/v1/tasks?sla=late")
    assert response.status_code == 422 and "sla" in response.get_json()["error"]["fields"]


def test_the_queue_page_shows_states_and_filters_by_them(app, world, as_user, clocked):
    admin = as_user(world.a.agency_admin)
    html = admin.get(f"/queues/{world.a.queue_id}/tasks?sla=at_risk").get_data(as_text=True)
    assert "At risk" in html and "Response at risk" in html and "On track" not in html.split("<tbody")[1]
    page = admin.get(f"/queues/{world.a.queue_id}/tasks?sort=sla").get_data(as_text=True)
    body = page.split("<tbody")[1]
    assert body.index("Overdue, not yet swept") < body.index("At risk") < body.index("On track")


def test_the_home_page_counts_open_work_by_sla_state(app, world, as_user, clocked):
    html = as_user(world.a.agency_admin).get("/").get_data(as_text=True)
    strip = html.split('id="sla-strip-heading"')[1].split("</section>")[0]
    counts = [int(n) for n in __import__("re").findall(r"(\d+) across the agency", strip)]
    assert counts == [4, 2, 1, 2]  # breached, at risk, paused, on track (open tasks only)
    assert "/work?sla=breached" in strip
    staff = as_user(world.a.staff).get("/").get_data(as_text=True)
    assert "SLA — your open work" in staff and "across the agency" not in staff
