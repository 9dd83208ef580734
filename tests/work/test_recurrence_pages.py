"""Recurring schedules through the API and the pages: validation, preview, pause/resume, delete, and who may see them."""

from __future__ import annotations

from datetime import date

from tests.support.web import assert_error


def body(world, **extra) -> dict:
    return {
        "client_id": str(world.a.client_id),
        "task_type_id": str(world.a.task_type_id),
        "title": "Payroll",
        "frequency": "monthly_day",
        "day_of_month": 31,
        "starts_on": "2026-01-01",
        "due_time": "17:00",
        "timezone": "Europe/London",
        "lead_days": 5,
        **extra,
    }


def test_api_create_preview_pause_resume_delete(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    created = admin.post("/api/v1/schedules", json=body(world, weekday=3))
    assert created.status_code == 201, created.get_json()
    schedule = created.get_json()
    assert schedule["weekday"] is None and schedule["timezone"] == "Europe/London"  # unused parameters are cleared
    sid = schedule["id"]
    preview = admin.get(f"/api/v1/schedules/{sid}/preview").get_json()
    assert len(preview["items"]) == 12
    first = preview["items"][0]
    day = date.fromisoformat(first["occurrence_date"])
    assert first["created"] is False and first["due_at"] and first["creates_at"] < first["due_at"]
    assert day.day in (28, 29, 30, 31)
    assert admin.patch(f"/api/v1/schedules/{sid}", json={"lead_days": 10}).get_json()["lead_days"] == 10
    assert admin.post(f"/api/v1/schedules/{sid}/pause").get_json()["paused"] is True
    assert admin.post(f"/api/v1/schedules/{sid}/resume").get_json()["paused"] is False
    listed = admin.get("/api/v1/schedules?status=active&q=payroll").get_json()["items"]
    assert [s["id"] for s in listed] == [sid]
    assert admin.delete(f"/api/v1/schedules/{sid}").status_code == 204
    assert_error(admin.get(f"/api/v1/schedules/{sid}"), 404)


def test_api_validation(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    error = assert_error(admin.post("/api/v1/schedules", json=body(world, frequency="rrule", rrule="FREQ=DAILY;BYHOUR=1,2,3")), 422)
    assert "rrule" in error["fields"]
    assert "rrule" in assert_error(admin.post("/api/v1/schedules", json=body(world, frequency="rrule", rrule="FREQ=SECONDLY")), 422)["fields"]
    assert (
        "day_of_month" in assert_error(admin.post("/api/v1/schedules", json=body(world, frequency="yearly", month=2, day_of_month=30)), 422)["fields"]
    )
    assert "timezone" in assert_error(admin.post("/api/v1/schedules", json=body(world, timezone="Mars/Olympus")), 422)["fields"]
    assert "weekday" in assert_error(admin.post("/api/v1/schedules", json=body(world, frequency="weekly")), 422)["fields"]
    assert "ends_on" in assert_error(admin.post("/api/v1/schedules", json=body(world, ends_on="2025-01-01")), 422)["fields"]
    assert_error(admin.post("/api/v1/schedules", json=body(world, colour="red")), 422)
    ok = admin.post("/api/v1/schedules", json=body(world, frequency="rrule", rrule="FREQ=WEEKLY;BYDAY=MO,TH", timezone=None))
    client_zone = admin.get(f"/api/v1/clients/{world.a.client_id}").get_json()["timezone"]
    assert ok.status_code == 201 and ok.get_json()["timezone"] == client_zone


def test_staff_see_the_clients_they_serve_and_client_users_get_403(app, world, as_user):
    staff = as_user(world.a.staff)
    assert staff.get(f"/api/v1/schedules/{world.a.schedule_id}").status_code == 200
    assert_error(staff.get(f"/api/v1/schedules/{world.a.other_schedule_id}"), 404)  # a client they do not serve
    assert_error(staff.post("/api/v1/schedules", json=body(world, client_id=str(world.a.other_client_id))), 422)
    ids = {s["id"] for s in staff.get("/api/v1/schedules").get_json()["items"]}
    assert ids == {str(world.a.schedule_id)}
    for role in ("client_admin", "client_member"):
        client = as_user(getattr(world.a, role))
        for url in (
            "/api/v1/schedules",
            f"/api/v1/schedules/{world.a.schedule_id}",
            f"/api/v1/schedules/{world.a.schedule_id}/preview",
            "/schedules",
            f"/schedules/{world.a.schedule_id}",
            f"/clients/{world.a.client_id}/schedules",
        ):
            assert client.get(url).status_code == 403, (role, url)


def test_pages_list_create_preview_and_pause(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    listing = admin.get("/schedules?status=all&sort=client")
    assert listing.status_code == 200 and "Monthly close" in listing.get_data(as_text=True)
    assert admin.get(f"/clients/{world.a.client_id}/schedules").status_code == 200
    assert admin.get("/schedules?q=nothing-like-this").status_code == 200
    assert admin.get(f"/schedules/new?client_id={world.a.client_id}").status_code == 200
    form = {
        "client_id": str(world.a.client_id),
        "task_type_id": str(world.a.task_type_id),
        "title": "VAT",
        "frequency": "quarterly",
        "interval": "1",
        "day_of_month": "7",
        "month": "5",
        "weekday": "",
        "due_time": "17:00",
        "timezone": "",
        "lead_days": "10",
        "default_assignee_id": "",
        "priority": "",
        "starts_on": "2026-01-01",
    }
    bad = admin.post("/schedules/new", data=form)
    assert bad.status_code == 422 and "third month" in bad.get_data(as_text=True)
    created = admin.post("/schedules/new", data={**form, "month": "2"})
    assert created.status_code == 302
    detail_url = created.headers["Location"]
    page = admin.get(detail_url).get_data(as_text=True)
    assert "Quarterly on the 7th of the second month" in page and "Next dates" in page and page.count("<tr>") >= 12
    sid = detail_url.rsplit("/", 1)[-1]
    assert admin.get(f"/schedules/{sid}/edit").status_code == 200
    assert admin.post(f"/schedules/{sid}/edit", data={**form, "month": "2", "lead_days": "400"}).status_code == 422
    assert admin.post(f"/schedules/{sid}/pause").status_code == 302
    assert "Paused" in admin.get(detail_url).get_data(as_text=True)
    assert admin.post(f"/schedules/{sid}/resume").status_code == 302
    assert admin.post(f"/schedules/{sid}/delete").status_code == 302
    assert admin.get(detail_url).status_code == 404
