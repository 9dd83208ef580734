"""A task's timeline is in the order things happened, whatever order its records were written in (the demo's history is
written after the fact, and imports or retried jobs can do the same)."""

from __future__ import annotations

import html
import random
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.work.models import Activity, Task
from tests.support.web import tenant_db

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STEPS = 57  # more than one page of the task page's timeline (50)


def _write_out_of_order(app, world, *, kind="checklist_item_added", client_visible=False) -> list[str]:
    """Write STEPS activity records whose instants are shuffled against their insertion (and so id) order.

    Steps 10 and 11 share one instant (ties go by id). Returns the step names in the order they happened.
    """
    order = list(range(STEPS))
    random.Random(11).shuffle(order)
    at = {n: START + timedelta(hours=n) for n in range(STEPS)}
    at[11] = at[10]
    with tenant_db(app, world.a.agency_id) as session:
        task = session.scalar(select(Task).where(Task.id == world.a.task_id))
        rows = {}
        for n in order:
            rows[n] = Activity(
                task_id=task.id,
                client_id=task.client_id,
                kind=kind,
                created_at=at[n],
                client_visible=client_visible,
                data={"title": f"Step {n:02d}", "filename": f"step-{n:02d}.pdf"},
            )
            session.add(rows[n])
            session.flush()
        ids = {n: row.id for n, row in rows.items()}
    assert [n for n in sorted(ids, key=ids.get)] != sorted(ids)  # written out of time order
    happened = sorted(range(STEPS), key=lambda n: (at[n], ids[n]))
    return [f"Step {n:02d}" for n in happened]


def test_the_api_lists_the_timeline_in_time_order_across_pages(app, world, as_user):
    expected = _write_out_of_order(app, world)
    client = as_user(world.a.agency_admin)
    seen, url = [], f"/api/v1/tasks/{world.a.task_id}/activity?limit=7"
    while url:
        body = client.get(url).get_json()
        seen += [row for row in body["items"]]
        url = f"/api/v1/tasks/{world.a.task_id}/activity?limit=7&cursor={body['next_cursor']}" if body["next_cursor"] else None
    instants = [datetime.fromisoformat(row["created_at"].replace("Z", "+00:00")) for row in seen]
    assert instants == sorted(instants)
    assert [row["data"]["title"] for row in seen if row["kind"] == "checklist_item_added"] == expected
    assert len({row["id"] for row in seen}) == len(seen)  # no row twice across pages


def test_the_api_refuses_a_cursor_that_is_not_its_own(world, as_user):
    response = as_user(world.a.agency_admin).get(f"/api/v1/tasks/{world.a.task_id}/activity?cursor=bm90LWEtY3Vyc29y")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"cursor": ["Not a valid cursor."]}


def _steps(page: str) -> list[str]:
    return re.findall(r"added “(Step \d\d)” to the checklist", page)


def test_the_task_page_shows_the_latest_first_and_older_pages_in_order(app, world, as_user):
    expected = _write_out_of_order(app, world)
    client = as_user(world.a.agency_admin)
    first = client.get(f"/tasks/{world.a.task_id}").get_data(as_text=True)
    older = re.search(r'href="([^"]*before=[^"#]*)#activity">Older activity', first)
    assert older, "no link to older activity"
    second = client.get(html.unescape(older.group(1))).get_data(as_text=True)
    assert _steps(first) + _steps(second) == expected[::-1]
    assert len(_steps(first)) <= 50 and _steps(second)
    # A cursor that is not the page's own starts from the latest again rather than failing.
    assert _steps(client.get(f"/tasks/{world.a.task_id}?before=garbage").get_data(as_text=True)) == _steps(first)


def test_the_portal_history_is_in_time_order(app, world, as_user):
    expected = _write_out_of_order(app, world, kind="attachment_added", client_visible=True)
    page = as_user(world.a.client_admin).get(f"/portal/requests/{world.a.task_id}").get_data(as_text=True)
    shown = re.findall(r"shared “step-(\d\d)\.pdf”", page)
    assert shown, "the history shows none of the steps"
    assert [f"Step {n}" for n in shown] == expected[::-1][: len(shown)]
