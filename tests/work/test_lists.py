"""Work lists: filters, sorts, search, keyset pages, staff reach, CSV export and the pages, through real requests."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from app.work.models import PRIORITY_RANK, Task
from app.work.queries.keyset import SORTS
from tests.support import factories as f
from tests.support.web import assert_error, tenant_db

# "Today", "this week" and "overdue" depend on the clock: every test here runs on a Wednesday mid-morning.
NOW = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=True):
        yield


def make_tasks(app, world, specs) -> list:
    """Tasks for client one of agency A, in the world's queue and type: (title, priority, due offset hours|None, extra)."""
    ids = []
    with tenant_db(app, world.a.agency_id):
        for title, priority, due_hours, extra in specs:
            task = f.TaskFactory(
                agency_id=world.a.agency_id,
                client_id=world.a.client_id,
                task_type_id=world.a.task_type_id,
                queue_id=world.a.queue_id,
                title=title,
                priority=priority,
                priority_rank=PRIORITY_RANK[priority],
                due_at=NOW + timedelta(hours=due_hours) if due_hours is not None else None,
                **extra,
            )
            ids.append(task.id)
    return ids


SPECS = [
    ("Low no deadline", "low", None, {}),
    ("Normal late", "normal", -5, {"resolution_due_at": NOW - timedelta(hours=2)}),
    ("Urgent tomorrow", "urgent", 30, {}),
    ("Urgent no deadline", "urgent", None, {}),
    ("Urgent today", "urgent", 1, {"resolution_due_at": NOW + timedelta(hours=1)}),
    ("High next week", "high", 24 * 6, {"resolution_due_at": NOW + timedelta(days=3)}),
    ("Normal no deadline A", "normal", None, {}),
    ("Normal no deadline B", "normal", None, {}),
    ("Normal in two days", "normal", 48, {"resolution_due_at": NOW + timedelta(hours=1)}),
    ("High no deadline", "high", None, {}),
    ("Done one", "urgent", 2, {"status": "done", "closed_at": NOW}),
]


def _walk(client, query: str, limit: int) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        url = f"/api/v1/tasks?limit={limit}&{query}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return items
        assert pages < 50


def _expected(app, world, sort: str, status_open=True) -> list[str]:
    far = NOW + timedelta(days=36500)
    keys = {
        "urgency": lambda t: (t.priority_rank, t.due_at or far, t.created_at, t.id),
        "due": lambda t: (t.due_at or far, t.priority_rank, t.created_at, t.id),
        "sla": lambda t: (t.resolution_due_at or far, t.priority_rank, t.created_at, t.id),
        "created": lambda t: (t.created_at, t.id),
        "updated": lambda t: (t.updated_at, t.id),
        "reference": lambda t: (t.number, t.id),
    }
    with tenant_db(app, world.a.agency_id) as session:
        rows = list(session.scalars(select(Task).where(Task.agency_id == world.a.agency_id)))
        if status_open:
            rows = [t for t in rows if t.closed_at is None and t.status not in ("done", "cancelled")]
        return [str(t.id) for t in sorted(rows, key=keys[sort], reverse=SORTS[sort].descending)]


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("limit", [1, 2, 3, 50])
def test_every_sort_pages_through_every_open_task_once_in_order(app, world, as_user, sort, limit):
    make_tasks(app, world, SPECS)
    items = _walk(as_user(world.a.agency_admin), f"sort={sort}", limit)
    assert [i["id"] for i in items] == _expected(app, world, sort)


def test_default_order_is_most_urgent_first_with_no_deadline_last(app, world, as_user):
    make_tasks(app, world, SPECS)
    titles = [i["title"] for i in _walk(as_user(world.a.agency_admin), "client_id=" + str(world.a.client_id), 4)]
    assert titles[:3] == ["Urgent today", "Urgent tomorrow", "Urgent no deadline"]
    assert titles[3:5] == ["High next week", "High no deadline"]
    assert titles[-1] == "Low no deadline"
    assert "Done one" not in titles


def test_status_all_includes_closed_tasks_in_pages(app, world, as_user):
    make_tasks(app, world, SPECS)
    items = _walk(as_user(world.a.agency_admin), "status=all", 3)
    assert [i["id"] for i in items] == _expected(app, world, "urgency", status_open=False)


@pytest.mark.parametrize(
    "query, titles",
    [
        ("priority=urgent", {"Urgent tomorrow", "Urgent no deadline", "Urgent today"}),
        ("due=overdue", {"Normal late"}),
        ("due=today&priority=urgent", {"Urgent today"}),
        ("due=none&priority=normal", {"Normal no deadline A", "Normal no deadline B", "A A Client One close"}),
        ("status=done", {"Done one"}),
        ("status=closed", {"Done one"}),
        ("q=no+deadline+b", {"Normal no deadline B"}),
        ("q=NEXT", {"High next week"}),
    ],
)
def test_filters(app, world, as_user, query, titles):
    make_tasks(app, world, SPECS)
    items = _walk(as_user(world.a.agency_admin), query + f"&client_id={world.a.client_id}", 50)
    assert {i["title"] for i in items} == titles


def test_due_range_assignee_and_reference_search(app, world, as_user):
    ids = make_tasks(app, world, SPECS)
    admin = as_user(world.a.agency_admin)
    day = (NOW + timedelta(days=2)).date().isoformat()
    in_range = {i["title"] for i in _walk(admin, f"due_from={day}&due_to={day}", 50)}
    assert in_range == {"Normal in two days"} or in_range == {"Normal in two days", "Urgent tomorrow"}  # around midnight UTC
    unassigned = {i["id"] for i in _walk(admin, "assignee=none", 50)}
    assert str(world.a.task_id) not in unassigned and str(world.a.other_task_id) in unassigned
    assert {i["id"] for i in _walk(admin, f"assignee={world.a.staff.id}", 50)} == {str(world.a.task_id)}
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == ids[1]))
        reference, number = task.reference, task.number
    for q in (reference, str(number), reference.lower()):
        assert [i["id"] for i in _walk(admin, f"q={q}", 50)] == [str(ids[1])]


def test_catalog_filters(app, world, as_user):
    make_tasks(app, world, SPECS[:2])
    admin = as_user(world.a.agency_admin)
    everything = {i["id"] for i in _walk(admin, "", 50)}
    for key in ("service_line_id", "task_type_id", "queue_id"):
        assert {i["id"] for i in _walk(admin, f"{key}={getattr(world.a, key)}", 50)} == everything
        assert _walk(admin, f"{key}={world.b.queue_id}", 50) == []


def test_bad_filters_and_cursors_are_422(app, world, as_user):
    make_tasks(app, world, SPECS)
    admin = as_user(world.a.agency_admin)
    assert_error(admin.get("/api/v1/tasks?priority=someday"), 422)
    assert_error(admin.get("/api/v1/tasks?sort=random"), 422)
    assert_error(admin.get("/api/v1/tasks?cursor=not-a-cursor"), 422)
    cursor = admin.get("/api/v1/tasks?limit=2").get_json()["next_cursor"]
    assert_error(admin.get(f"/api/v1/tasks?limit=2&sort=created&cursor={cursor}"), 422)


def test_staff_see_only_their_reach(app, world, as_user):
    staff = as_user(world.a.staff)
    ids = {i["id"] for i in _walk(staff, "status=all", 50)}
    assert ids == {str(world.a.task_id)}
    assert staff.get(f"/clients/{world.a.other_client_id}/tasks").status_code == 404
    assert staff.get(f"/queues/{world.a.queue_id}/tasks").status_code == 200
    idle = as_user(world.a.idle_staff)
    assert _walk(idle, "status=all", 50) == []
    assert idle.get(f"/queues/{world.a.queue_id}/tasks").status_code == 404
    for path in ("/work", "/work/clients", "/work/workload", f"/queues/{world.a.queue_id}/tasks", "/api/v1/tasks"):
        assert as_user(world.a.client_admin).get(path).status_code == 403


def test_pages_render_lists_with_filters(app, world, as_user):
    make_tasks(app, world, SPECS)
    staff = as_user(world.a.staff)
    body = staff.get("/work").get_data(as_text=True)
    assert "A A Client One close" in body and "Claim next" in body
    admin = as_user(world.a.agency_admin)
    page = admin.get(f"/clients/{world.a.client_id}/tasks?priority=urgent").get_data(as_text=True)
    assert "Urgent today" in page and "Normal late" not in page
    page = admin.get(f"/queues/{world.a.queue_id}/tasks?due=overdue").get_data(as_text=True)
    assert "Normal late" in page and "Urgent today" not in page
    warned = admin.get("/work?priority=someday").get_data(as_text=True)
    assert "not valid" in warned
    empty = admin.get("/work").get_data(as_text=True)
    assert "Nothing assigned to you" in empty


def test_csv_export_has_the_same_filters_and_only_list_fields(app, world, as_user):
    make_tasks(app, world, SPECS + [('=HYPERLINK("x")', "urgent", 3, {"description": "SECRET-DESCRIPTION"})])
    admin = as_user(world.a.agency_admin)
    response = admin.get(f"/queues/{world.a.queue_id}/tasks.csv?priority=urgent")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "reference",
        "client",
        "service",
        "type",
        "title",
        "status",
        "priority",
        "assignee",
        "due",
        "created",
        "sla_state",
        "first_response_due",
        "resolution_due",
    ]
    titles = [r[4] for r in rows[1:]]
    assert titles == ["Urgent today", '\'=HYPERLINK("x")', "Urgent tomorrow", "Urgent no deadline"]
    assert {r[6] for r in rows[1:]} == {"urgent"}
    assert (
        rows[1][10] == "on_track"
        and rows[1][12]
        == (  # "Urgent today"'s clock, on the viewer's wall clock with its offset
            NOW + timedelta(hours=1)
        )
        .astimezone(ZoneInfo("Europe/London"))
        .replace(microsecond=0)
        .isoformat()
    )
    assert rows[1][1] == world.a.client_name and rows[1][2] == "Bookkeeping" and rows[1][3] == "Month-end close"
    assert "SECRET-DESCRIPTION" not in text and "INTERNAL" not in text
    mine = list(csv.reader(io.StringIO(as_user(world.a.staff).get("/work.csv").get_data(as_text=True))))
    assert [r[4] for r in mine[1:]] == ["A A Client One close"] and mine[1][7] == "A Staff"


def test_csv_export_streams_more_than_one_chunk(app, world, as_user, monkeypatch):
    from app.work.queries import exports as export_queries

    monkeypatch.setattr(export_queries, "CHUNK", 3)
    make_tasks(app, world, SPECS)
    rows = list(csv.reader(io.StringIO(as_user(world.a.agency_admin).get(f"/clients/{world.a.client_id}/tasks.csv").get_data(as_text=True))))
    assert len(rows) == 1 + 11  # the world's task and ten open ones
    assert len({r[0] for r in rows[1:]}) == 11


def test_all_clients_counts(app, world, as_user):
    make_tasks(app, world, SPECS + [("Waiting", "normal", None, {"status": "waiting_on_client"})])
    admin = as_user(world.a.agency_admin)
    body = admin.get("/api/v1/work/clients").get_json()
    counts = {i["name"]: i for i in body["items"]}
    one = counts[world.a.client_name]
    due_today = sum(
        1 for _, _, hours, extra in SPECS if hours is not None and "status" not in extra and (NOW + timedelta(hours=hours)).date() == NOW.date()
    )
    assert (one["open"], one["waiting"], one["overdue"], one["due_today"]) == (12, 1, 1, due_today)
    assert counts[world.a.other_client_name]["open"] == 1
    assert world.b.client_name not in counts
    staff_counts = {i["name"]: i for i in as_user(world.a.staff).get("/api/v1/work/clients").get_json()["items"]}
    assert set(staff_counts) == {world.a.client_name}
    page = admin.get("/work/clients").get_data(as_text=True)
    assert world.a.client_name in page and f"/clients/{world.a.client_id}/tasks?due=overdue" in page
    summary = admin.get("/work/clients.csv").get_data(as_text=True)
    assert summary.splitlines()[0] == "client,open,waiting_on_client,due_today,overdue"
