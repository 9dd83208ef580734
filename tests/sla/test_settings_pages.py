"""SLA settings pages: calendars (no-JavaScript hours grid), policies (targets in hours, versions), rules, client holidays."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts.models import User
from app.sla.models import ClientHoliday, SlaCalendar, SlaPolicy, SlaPolicyVersion, SlaRule
from app.work.services.tasks import create_task
from tests.support.web import tenant_db

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def admin(world, as_user):
    return as_user(world.a.agency_admin)


def _snapshot(row):
    return SimpleNamespace(**{c.key: getattr(row, c.key) for c in row.__table__.columns}) if row is not None else None


def _one(app, world, model, *where):
    with tenant_db(app, world.a.agency_id) as session:
        return _snapshot(session.scalar(select(model).where(*where)))


def _count(app, world, model, *where) -> int:
    with tenant_db(app, world.a.agency_id) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    return match[1] if match else None


def calendar_form(**overrides) -> dict:
    form = {
        "name": "London office",
        "timezone": "Europe/London",
        "holidays": "2026-12-24\n2026-12-31, 2027-01-04",
        "country": "gb",
        "subdivision": "eng",
        "hours_slots": "2",
    }
    for day in WEEKDAYS[:5]:
        form.update({f"hours-{day}-0-open": "9:00", f"hours-{day}-0-close": "12:30", f"hours-{day}-1-open": "13:30", f"hours-{day}-1-close": "17:30"})
    form.update(overrides)
    return form


def policy_form(world, **overrides) -> dict:
    form = {
        "name": "Premium",
        "description": "Fast lane",
        "calendar_id": str(world.a.calendar_id),
        "at_risk_percent": "80",
        "target-urgent-first_response": "0.5",
        "target-urgent-resolution": "4",
        "target-high-first_response": "1.5",
        "target-high-resolution": "8,25",
        "target-normal-first_response": "",
        "target-normal-resolution": "16",
        "target-low-first_response": "",
        "target-low-resolution": "",
    }
    form.update(overrides)
    return form


# --- overview ----------------------------------------------------------------------------------


@pytest.fixture
def before_the_world_holiday():
    """The overview lists coming client holidays: the world's (28 Dec 2026) must still be ahead."""
    with time_machine.travel(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), tick=True):
        yield


def test_overview_lists_policies_rules_calendars_and_client_holidays(before_the_world_holiday, admin, world):
    page = admin.get("/admin/sla")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/admin/sla"' in html and "SLA policies" in html
    assert "A standard" in html and "A office" in html and "Europe/London" in html and "Mon–Fri 09:00–17:00" in html
    assert "A Client Two · Month-end close" in html  # the world's rule, shown where it applies
    assert f"/clients/{world.a.other_client_id}/holidays" in html
    assert "Agency B" not in html and "B standard" not in html


def test_overview_of_an_empty_agency_explains_what_to_do(app, as_user):
    from app.extensions import db
    from tenants.context import TenantContext, tenant_scope
    from tests.support import factories as f
    from tests.support.world import UserRef

    with app.app_context():
        agency = f.AgencyFactory()
        with tenant_scope(TenantContext(agency_id=agency.id)):
            user = UserRef.of(f.UserFactory(agency_id=agency.id, role="agency_admin"))
        db.session.commit()
    html = as_user(user).get("/admin/sla").get_data(as_text=True)
    assert "No SLA policies yet" in html and "Create a calendar first" in html and "No rules yet" in html
    assert "Create a calendar first" in as_user(user).get("/admin/sla/policies/new").get_data(as_text=True)


def test_holiday_picker_goes_to_the_clients_page(admin, world):
    response = admin.get(f"/admin/sla/client-holidays?client_id={world.a.client_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/clients/{world.a.client_id}/holidays")
    assert admin.get("/admin/sla/client-holidays").status_code == 302
    assert admin.get(f"/admin/sla/client-holidays?client_id={world.b.client_id}").status_code == 404


# --- calendars ---------------------------------------------------------------------------------


def test_admin_creates_a_calendar_with_a_lunch_break_holidays_and_public_holidays(app, admin, world):
    assert admin.get("/admin/sla/calendars/new").status_code == 200
    response = admin.post("/admin/sla/calendars/new", data=calendar_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    calendar = _one(app, world, SlaCalendar, SlaCalendar.name == "London office")
    assert calendar.timezone == "Europe/London"
    assert calendar.hours == {day: [["09:00", "12:30"], ["13:30", "17:30"]] for day in WEEKDAYS[:5]}
    assert calendar.holidays == ["2026-12-24", "2026-12-31", "2027-01-04"]
    assert (calendar.country, calendar.subdivision) == ("GB", "ENG")
    assert "Mon–Fri 09:00–12:30, 13:30–17:30" in admin.get("/admin/sla").get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
        ({"timezone": "America"}, "Unknown time zone"),
        ({"hours-tue-0-open": "17:00", "hours-tue-0-close": "09:00"}, "Tuesday: Interval 1: opening time 17:00 must be before closing time 09:00"),
        ({"hours-wed-1-open": "12:00"}, "Wednesday: Intervals overlap around 12:00"),
        ({"hours-thu-1-close": ""}, "Thursday: Interval 2: give both an opening and a closing time."),
        ({"hours-fri-0-close": "25:00"}, "Friday: Interval 1: time &#39;25:00&#39; is out of range"),
        ({"holidays": "2026-12-24\nChristmas"}, "Not dates (use YYYY-MM-DD): Christmas."),
        ({"country": "ZZ"}, "No public holidays are known for “ZZ”"),
        ({"subdivision": "XYZ"}, "GB has no subdivision “XYZ”"),
        ({"name": ""}, "A calendar needs a name."),
    ],
)
def test_a_bad_calendar_is_refused_with_the_field_error_and_nothing_written(app, admin, world, overrides, expected):
    response = admin.post("/admin/sla/calendars/new", data=calendar_form(**overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert expected in html, html[html.find("alert") :][:2000]
    assert _count(app, world, SlaCalendar) == 1


def test_a_calendar_open_on_no_day_is_refused(app, admin, world):
    form = {key: value for key, value in calendar_form().items() if not key.startswith("hours-")}
    response = admin.post("/admin/sla/calendars/new", data=form)
    assert response.status_code == 422
    assert "no opening hours on any weekday" in response.get_data(as_text=True)


def test_admin_edits_a_calendar_to_24x7_and_the_grid_is_ignored(app, admin, world):
    page = admin.get(f"/admin/sla/calendars/{world.a.calendar_id}/edit").get_data(as_text=True)
    assert input_value(page, "name") == "A office" and input_value(page, "hours-mon-0-open") == "09:00"
    form = calendar_form(name="A office", always_open="y", holidays="", country="", subdivision="", **{"hours-mon-0-close": ""})
    response = admin.post(f"/admin/sla/calendars/{world.a.calendar_id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    calendar = _one(app, world, SlaCalendar, SlaCalendar.id == world.a.calendar_id)
    assert (calendar.hours, calendar.holidays, calendar.country) == ("24x7", [], None)
    assert "checked" in admin.get(f"/admin/sla/calendars/{world.a.calendar_id}/edit").get_data(as_text=True)


def test_a_day_with_more_than_two_intervals_keeps_them_all_when_saved_from_the_page(app, admin, world):
    three = [["08:00", "10:00"], ["11:00", "13:00"], ["14:00", "18:00"]]
    with tenant_db(app, world.a.agency_id) as session:
        session.get(SlaCalendar, (world.a.agency_id, world.a.calendar_id)).hours = {"mon": three, "sat": [["10:00", "24:00"]]}
    page = admin.get(f"/admin/sla/calendars/{world.a.calendar_id}/edit").get_data(as_text=True)
    assert input_value(page, "hours_slots") == "3" and input_value(page, "hours-mon-2-close") == "18:00"
    form = {key: value for key, value in re.findall(r'<input[^>]*name="((?:hours|name|timezone)[^"]*)"[^>]*value="([^"]*)"', page)}
    assert admin.post(f"/admin/sla/calendars/{world.a.calendar_id}/edit", data=form).status_code == 302
    assert _one(app, world, SlaCalendar, SlaCalendar.id == world.a.calendar_id).hours == {"mon": three, "sat": [["10:00", "24:00"]]}


def test_a_calendar_name_in_use_is_a_conflict(app, admin, world):
    admin.post("/admin/sla/calendars/new", data=calendar_form())
    response = admin.post(f"/admin/sla/calendars/{world.a.calendar_id}/edit", data=calendar_form(name="london OFFICE"))
    assert response.status_code == 409
    assert "Already in use." in response.get_data(as_text=True)
    assert _one(app, world, SlaCalendar, SlaCalendar.id == world.a.calendar_id).name == "A office"


def test_a_calendar_in_use_cannot_be_archived_but_a_free_one_can(app, admin, world):
    response = admin.post(f"/admin/sla/calendars/{world.a.calendar_id}/archive")
    assert response.status_code == 303
    assert "uses this calendar" in admin.get("/admin/sla").get_data(as_text=True)
    assert _one(app, world, SlaCalendar, SlaCalendar.id == world.a.calendar_id).archived_at is None

    admin.post("/admin/sla/calendars/new", data=calendar_form())
    spare = _one(app, world, SlaCalendar, SlaCalendar.name == "London office")
    assert admin.post(f"/admin/sla/calendars/{spare.id}/archive").status_code == 303
    assert _one(app, world, SlaCalendar, SlaCalendar.id == spare.id).archived_at is not None
    assert "London office" in admin.get("/admin/sla?status=archived").get_data(as_text=True)
    assert "London office" not in admin.get("/admin/sla").get_data(as_text=True).split('id="client-holidays"')[0]
    admin.post(f"/admin/sla/calendars/{spare.id}/restore")
    assert _one(app, world, SlaCalendar, SlaCalendar.id == spare.id).archived_at is None


# --- policies ----------------------------------------------------------------------------------


def test_policy_targets_are_entered_in_hours_and_stored_in_minutes(app, admin, world):
    page = admin.get("/admin/sla/policies/new").get_data(as_text=True)
    assert input_value(page, "target-urgent-first_response") == "1"  # the defaults, in hours
    response = admin.post("/admin/sla/policies/new", data=policy_form(world))
    assert response.status_code == 302, response.get_data(as_text=True)
    policy = _one(app, world, SlaPolicy, SlaPolicy.name == "Premium")
    version = _one(app, world, SlaPolicyVersion, SlaPolicyVersion.policy_id == policy.id)
    assert version.targets == {
        "urgent": {"first_response": 30, "resolution": 240},
        "high": {"first_response": 90, "resolution": 495},
        "normal": {"resolution": 960},
    }
    assert (version.version, version.at_risk_percent, version.calendar_id) == (1, 80, world.a.calendar_id)
    assert version.created_by_id == world.a.agency_admin.id
    edit = admin.get(f"/admin/sla/policies/{policy.id}/edit").get_data(as_text=True)
    assert input_value(edit, "target-high-resolution") == "8.25" and input_value(edit, "target-low-resolution") == ""


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"target-high-first_response": "soon"}, "A number of hours, such as 4 or 1.5."),
        ({"target-high-first_response": "0.001"}, "From 1 minute"),
        ({"target-high-first_response": "1e9"}, "From 1 minute"),
        ({"target-high-first_response": "NaN"}, "From 1 minute"),
        ({f"target-{p}-{m}": "" for p in ("urgent", "high", "normal", "low") for m in ("first_response", "resolution")}, "Set at least one target."),
        ({"at_risk_percent": "100"}, "A percentage from 1 to 99."),
        ({"calendar_id": "not-a-calendar"}, "Not a valid choice"),
        ({"name": "a standard"}, "Already in use."),
    ],
)
def test_a_bad_policy_is_refused_and_nothing_written(app, admin, world, overrides, expected):
    response = admin.post("/admin/sla/policies/new", data=policy_form(world, **overrides))
    assert response.status_code in (409, 422)
    assert expected in response.get_data(as_text=True)
    assert _count(app, world, SlaPolicy) == 1 and _count(app, world, SlaPolicyVersion) == 1


def _task(app, world, title):
    with tenant_db(app, world.a.agency_id) as session:
        actor = session.scalar(select(User).where(User.id == world.a.agency_admin.id))
        task = create_task(actor, client_id=world.a.client_id, task_type_id=world.a.task_type_id, title=title, priority="high")
        session.flush()
        return task.id, task.sla_policy_version_id


def test_editing_terms_makes_a_new_version_and_running_tasks_keep_theirs(app, admin, world):
    admin.post("/admin/sla/policies/new", data=policy_form(world))
    policy = _one(app, world, SlaPolicy, SlaPolicy.name == "Premium")
    assert admin.post(f"/admin/sla/policies/{policy.id}/rules", data={"client_id": "", "task_type_id": ""}).status_code == 302
    first_id, first_version_id = _task(app, world, "Before the change")
    version_one = _one(app, world, SlaPolicyVersion, SlaPolicyVersion.policy_id == policy.id, SlaPolicyVersion.version == 1)
    assert first_version_id == version_one.id

    unchanged = admin.post(f"/admin/sla/policies/{policy.id}/edit", data=policy_form(world, description="Renamed only"))
    assert unchanged.status_code == 302
    assert _one(app, world, SlaPolicy, SlaPolicy.id == policy.id).current_version == 1

    response = admin.post(f"/admin/sla/policies/{policy.id}/edit", data=policy_form(world, **{"target-high-resolution": "6"}))
    assert response.status_code == 302
    assert "saved as version 2" in admin.get(response.headers["Location"]).get_data(as_text=True)
    version_two = _one(app, world, SlaPolicyVersion, SlaPolicyVersion.policy_id == policy.id, SlaPolicyVersion.version == 2)
    assert version_two.targets["high"] == {"first_response": 90, "resolution": 360}

    from app.work.models import Task

    assert _one(app, world, Task, Task.id == first_id).sla_policy_version_id == version_one.id
    _, second_version_id = _task(app, world, "After the change")
    assert second_version_id == version_two.id

    page = admin.get(f"/admin/sla/policies/{policy.id}").get_data(as_text=True)
    assert "v2" in page and "v1" in page and "A Admin" in page and "6h" in page and "8h 15m" in page


def test_archiving_a_policy_and_restoring_it(app, admin, world):
    response = admin.post(f"/admin/sla/policies/{world.a.policy_id}/archive")
    assert response.status_code == 303
    assert _one(app, world, SlaPolicy, SlaPolicy.id == world.a.policy_id).archived_at is not None
    page = admin.get(f"/admin/sla/policies/{world.a.policy_id}").get_data(as_text=True)
    assert "Restore the policy to apply it." in page
    refused = admin.post(f"/admin/sla/policies/{world.a.policy_id}/rules", data={"client_id": "", "task_type_id": ""})
    assert refused.status_code == 409 and _count(app, world, SlaRule) == 1
    admin.post(f"/admin/sla/policies/{world.a.policy_id}/restore")
    assert _one(app, world, SlaPolicy, SlaPolicy.id == world.a.policy_id).archived_at is None


# --- rules -------------------------------------------------------------------------------------


def test_rules_are_set_moved_and_removed(app, admin, world):
    admin.post("/admin/sla/policies/new", data=policy_form(world))
    premium = _one(app, world, SlaPolicy, SlaPolicy.name == "Premium")
    # The agency default and a client rule for the world's policy.
    admin.post(f"/admin/sla/policies/{world.a.policy_id}/rules", data={"client_id": "", "task_type_id": ""})
    admin.post(f"/admin/sla/policies/{world.a.policy_id}/rules", data={"client_id": str(world.a.client_id), "task_type_id": ""})
    assert _count(app, world, SlaRule, SlaRule.policy_id == world.a.policy_id) == 3
    page = admin.get(f"/admin/sla/policies/{world.a.policy_id}").get_data(as_text=True)
    assert "Agency default (all other work)" in page and "A Client One" in page

    # The same client rule applied from Premium moves there.
    moved = admin.post(f"/admin/sla/policies/{premium.id}/rules", data={"client_id": str(world.a.client_id), "task_type_id": ""})
    assert moved.status_code == 302
    assert "A Client One: now “Premium” instead of “A standard”." in admin.get(moved.headers["Location"]).get_data(as_text=True)
    rule = _one(app, world, SlaRule, SlaRule.client_id == world.a.client_id, SlaRule.task_type_id.is_(None))
    assert rule.policy_id == premium.id and _count(app, world, SlaRule) == 3

    # A task type rule, then removal (back to the overview).
    admin.post(f"/admin/sla/policies/{premium.id}/rules", data={"client_id": "", "task_type_id": str(world.a.task_type_id)})
    assert "Month-end close tasks" in admin.get("/admin/sla").get_data(as_text=True)
    removed = admin.post(f"/admin/sla/rules/{rule.id}/remove", data={"next": "/admin/sla#rules"})
    assert removed.status_code == 303 and removed.headers["Location"].endswith("/admin/sla#rules")
    assert _one(app, world, SlaRule, SlaRule.id == rule.id) is None


def test_a_rule_for_another_agencys_client_is_refused(app, admin, world):
    response = admin.post(f"/admin/sla/policies/{world.a.policy_id}/rules", data={"client_id": str(world.b.client_id), "task_type_id": ""})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert _count(app, world, SlaRule) == 1


# --- client holidays ---------------------------------------------------------------------------


def test_client_holidays_are_added_listed_refused_twice_and_removed(app, admin, world):
    url = f"/clients/{world.a.client_id}/holidays"
    page = admin.get(url).get_data(as_text=True)
    assert "Holidays of A Client One" in page
    assert "A Client One shutdown" in admin.get(url + "?show=all").get_data(as_text=True)

    added = admin.post(url, data={"day": "2030-04-18", "name": "Founders' day"})
    assert added.status_code == 302
    assert "Founders&#39; day" in admin.get(url).get_data(as_text=True)
    duplicate = admin.post(url, data={"day": "2030-04-18", "name": "Again"})
    assert duplicate.status_code == 409 and "Already a holiday." in duplicate.get_data(as_text=True)
    bad = admin.post(url, data={"day": "someday", "name": ""})
    assert bad.status_code == 422
    assert _count(app, world, ClientHoliday, ClientHoliday.client_id == world.a.client_id) == 2

    holiday = _one(app, world, ClientHoliday, ClientHoliday.day == date(2030, 4, 18))
    assert admin.post(f"{url}/{holiday.id}/remove").status_code == 303
    assert _one(app, world, ClientHoliday, ClientHoliday.id == holiday.id) is None


def test_another_clients_holiday_cannot_be_removed_through_this_client(app, admin, world):
    response = admin.post(f"/clients/{world.a.client_id}/holidays/{world.a.other_client_holiday_id}/remove")
    assert response.status_code == 404
    assert _one(app, world, ClientHoliday, ClientHoliday.id == world.a.other_client_holiday_id) is not None


# --- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "client_admin", "client_member"])
def test_only_agency_admins_reach_the_settings_pages(app, world, as_user, role):
    client = as_user(getattr(world.a, role))
    assert "SLA policies" not in client.get("/").get_data(as_text=True)
    for url in ("/admin/sla", "/admin/sla/calendars/new", f"/admin/sla/policies/{world.a.policy_id}", f"/clients/{world.a.client_id}/holidays"):
        assert client.get(url).status_code == 403, url
    for url, data in (
        (f"/admin/sla/calendars/{world.a.calendar_id}/edit", calendar_form()),
        (f"/admin/sla/policies/{world.a.policy_id}/rules", {"client_id": "", "task_type_id": ""}),
        (f"/clients/{world.a.client_id}/holidays", {"day": "2030-01-02", "name": "x"}),
    ):
        assert client.post(url, data=data).status_code == 403, url
    assert _count(app, world, SlaRule) == 1 and _count(app, world, ClientHoliday) == 2


def b_rule_id(app, world):
    """Agency B's rule (the world leaves its `rule_id` unset: the rule is flushed after its refs are taken)."""
    with tenant_db(app, world.b.agency_id) as session:
        return session.scalar(select(SlaRule.id))


def test_another_agencys_settings_are_not_found(app, admin, world):
    rule_id = b_rule_id(app, world)
    for url in (
        f"/admin/sla/calendars/{world.b.calendar_id}/edit",
        f"/admin/sla/policies/{world.b.policy_id}",
        f"/admin/sla/policies/{world.b.policy_id}/edit",
        f"/clients/{world.b.client_id}/holidays",
    ):
        assert admin.get(url).status_code == 404, url
    assert admin.post(f"/admin/sla/rules/{rule_id}/remove").status_code == 404
    assert admin.post(f"/admin/sla/calendars/{world.b.calendar_id}/edit", data=calendar_form()).status_code == 404
    assert admin.post(f"/admin/sla/policies/{world.b.policy_id}/archive").status_code == 404
    with tenant_db(app, world.b.agency_id) as session:
        assert session.scalar(select(SlaPolicy.archived_at).where(SlaPolicy.id == world.b.policy_id)) is None
        assert session.scalar(select(SlaRule.id).where(SlaRule.id == rule_id)) is not None
