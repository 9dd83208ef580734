"""Dates outside 1900..2199 are refused with a field message on the API, the pages and the list filters (never a 500)."""

from __future__ import annotations

import time

import pytest

from app.core import dates
from tests.support.web import assert_error


def test_api_refuses_a_deadline_in_year_9999(world, as_user, office, clock):
    staff = as_user(world.a.agency_admin)
    url = f"/api/v1/tasks/{world.a.task_id}"
    error = assert_error(staff.patch(url, json={"due_at": "9999-12-31T23:59:59Z"}), 422)
    assert error["fields"]["due_at"] == [dates.MESSAGE]
    created = staff.post(
        "/api/v1/tasks",
        json={"client_id": str(world.a.client_id), "task_type_id": str(world.a.task_type_id), "title": "Far", "due_at": "1899-12-31T23:00:00Z"},
    )
    assert assert_error(created, 422)["fields"]["due_at"] == [dates.MESSAGE]


def test_a_deadline_150_years_out_is_accepted_quickly(world, as_user, office, clock):
    staff = as_user(world.a.agency_admin)
    began = time.perf_counter()
    response = staff.patch(f"/api/v1/tasks/{world.a.task_id}", json={"due_at": "2176-06-30T12:00:00Z"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert time.perf_counter() - began < 1.5
    assert response.get_json()["due_at"].startswith("2176-06-30")


@pytest.mark.parametrize("query", ["due_to=9999-12-31", "due_from=9999-12-31", "due_from=0001-01-01"])
def test_list_filters_answer_4xx_for_dates_out_of_range(world, as_user, query):
    staff = as_user(world.a.agency_admin)
    assert assert_error(staff.get(f"/api/v1/tasks?{query}"), 422)["fields"]
    page = staff.get(f"/work?{query}")
    assert page.status_code == 200 and "Some filters were not valid" in page.get_data(as_text=True)
    export = staff.get(f"/work.csv?{query}")
    assert export.status_code == 400 and dates.MESSAGE in export.get_data(as_text=True)
    assert staff.get(f"/queues/{world.a.queue_id}/tasks.csv?{query}").status_code == 400


def test_page_forms_refuse_dates_out_of_range(world, as_user):
    staff = as_user(world.a.agency_admin)
    before = staff.get(f"/api/v1/tasks/{world.a.task_id}").get_json()["due_at"]
    response = staff.post(f"/tasks/{world.a.task_id}/edit", data={"title": "Kept", "due_at": "9999-12-31T23:59"})
    assert response.status_code < 500
    assert staff.get(f"/api/v1/tasks/{world.a.task_id}").get_json()["due_at"] == before
    assert staff.get("/time?from=9999-12-31").status_code == 200
