"""Catalog pages: the overview, service line and task type forms (without JavaScript), and a client's services."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.catalog.models import ClientService, ServiceLine, TaskType
from tests.support.web import tenant_db


@pytest.fixture
def admin(world, as_user):
    return as_user(world.a.agency_admin)


def _snapshot(row):
    return SimpleNamespace(**{c.key: getattr(row, c.key) for c in row.__table__.columns}) if row is not None else None


def _line(app, world, code):
    with tenant_db(app, world.a.agency_id) as session:
        return _snapshot(session.scalar(select(ServiceLine).where(ServiceLine.code == code)))


def _type(app, world, name):
    with tenant_db(app, world.a.agency_id) as session:
        return _snapshot(session.scalar(select(TaskType).where(TaskType.name == name)))


def _type_form(world, **overrides):
    form = {
        "service_line_id": str(world.a.service_line_id),
        "name": "Bank reconciliation",
        "description": "Match the bank",
        "default_queue_id": "",
        "default_priority": "high",
        "expected_minutes": "45",
        "checklist": "!Import the statement\nMatch transactions\n\n  !Sign off  ",
        "cf_count": "3",
        "cf-0-key": "period",
        "cf-0-label": "Period",
        "cf-0-type": "date",
        "cf-0-required": "y",
        "cf-1-key": "bank",
        "cf-1-label": "Bank",
        "cf-1-type": "choice",
        "cf-1-choices": "HSBC, Barclays ,",
        "cf-2-key": "",
        "cf-2-label": "",
        "cf-2-type": "text",
    }
    form.update(overrides)
    return form


def test_catalog_page_lists_lines_and_types_with_nav_link(admin, world):
    page = admin.get("/catalog")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bookkeeping" in html and "Month-end close" in html and 'href="/catalog"' in html
    assert "Agency B" not in html


def test_catalog_page_filters_by_status_and_search(admin, world, app):
    admin.post(f"/catalog/task-types/{world.a.task_type_id}/archive")
    admin.get("/catalog")  # shows the flash message
    assert "Month-end close</a>" not in admin.get("/catalog").get_data(as_text=True)
    assert "Month-end close</a>" in admin.get("/catalog?status=archived").get_data(as_text=True)
    assert "Nothing matches" in admin.get("/catalog?status=all&q=payroll").get_data(as_text=True)
    assert "Month-end close</a>" in admin.get("/catalog?status=all&q=month&sort=effort").get_data(as_text=True)


def test_empty_catalog_explains_what_to_do(app, as_user):
    from tests.support import factories as f
    from tests.support.world import UserRef

    with app.app_context():
        agency = f.AgencyFactory()
        from tenants.context import TenantContext, tenant_scope

        with tenant_scope(TenantContext(agency_id=agency.id)):
            user = UserRef.of(f.UserFactory(agency_id=agency.id, role="agency_admin"))
        from app.extensions import db

        db.session.commit()
    html = as_user(user).get("/catalog").get_data(as_text=True)
    assert "No service lines yet" in html


def test_admin_creates_and_edits_a_service_line(app, admin, world):
    assert admin.get("/catalog/service-lines/new").status_code == 200
    response = admin.post("/catalog/service-lines/new", data={"name": "Payroll", "code": "pr", "description": "", "position": ""})
    assert response.status_code == 302
    line = _line(app, world, "PR")
    assert line.name == "Payroll"
    edit = admin.post(f"/catalog/service-lines/{line.id}/edit", data={"name": "Payroll & HR", "code": "PR", "position": "3"})
    assert edit.status_code == 302
    assert (_line(app, world, "PR").name, _line(app, world, "PR").position) == ("Payroll & HR", 3)


def test_duplicate_service_line_code_rerenders_with_409(app, admin, world):
    response = admin.post("/catalog/service-lines/new", data={"name": "Books again", "code": "BK"})
    assert response.status_code == 409
    assert "already exists" in response.get_data(as_text=True)
    bad = admin.post("/catalog/service-lines/new", data={"name": "Odd", "code": "B1"})
    assert bad.status_code == 422 and "2 to 8 letters" in bad.get_data(as_text=True)


def test_archive_and_restore_a_service_line_from_the_page(app, admin, world):
    assert admin.post(f"/catalog/service-lines/{world.a.service_line_id}/archive").status_code == 302
    assert _line(app, world, "BK").archived_at is not None
    assert _type(app, world, "Month-end close").archived_at is not None
    assert admin.post(f"/catalog/service-lines/{world.a.service_line_id}/restore").status_code == 302
    assert _type(app, world, "Month-end close").archived_at is None


def test_task_type_form_creates_checklist_and_custom_fields_without_javascript(app, admin, world):
    page = admin.get(f"/catalog/task-types/new?service_line_id={world.a.service_line_id}")
    assert page.status_code == 200 and 'name="cf-2-key"' in page.get_data(as_text=True)
    response = admin.post("/catalog/task-types/new", data=_type_form(world))
    assert response.status_code == 302, response.get_data(as_text=True)
    created = _type(app, world, "Bank reconciliation")
    assert created.checklist_template == [
        {"title": "Import the statement", "required": True},
        {"title": "Match transactions", "required": False},
        {"title": "Sign off", "required": True},
    ]
    assert [(d["key"], d["type"], d["required"], d["choices"]) for d in created.custom_fields] == [
        ("period", "date", True, []),
        ("bank", "choice", False, ["HSBC", "Barclays"]),
    ]
    assert (created.default_priority, created.expected_minutes, created.default_queue_id) == ("high", 45, world.a.queue_id)
    edit_page = admin.get(f"/catalog/task-types/{created.id}/edit").get_data(as_text=True)
    assert "!Import the statement" in edit_page and 'value="bank"' in edit_page


def test_task_type_form_shows_custom_field_errors_on_their_row(app, admin, world):
    response = admin.post("/catalog/task-types/new", data=_type_form(world, **{"cf-1-choices": "", "cf-0-key": "Bad Key"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="cf-0-errors"' in html and "lowercase" in html
    assert _type(app, world, "Bank reconciliation") is None
    missing_choices = admin.post("/catalog/task-types/new", data=_type_form(world, **{"cf-1-choices": ""}))
    assert missing_choices.status_code == 422 and 'id="cf-1-errors"' in missing_choices.get_data(as_text=True)


def test_task_type_form_refuses_a_duplicate_name_with_409(admin, world):
    response = admin.post("/catalog/task-types/new", data=_type_form(world, name="Month-end close"))
    assert response.status_code == 409
    assert "already has a task type" in response.get_data(as_text=True)


def test_task_type_form_without_a_line_is_422(admin, world):
    assert admin.post("/catalog/task-types/new", data=_type_form(world, service_line_id="")).status_code == 422


def test_edit_archive_and_restore_a_task_type(app, admin, world):
    form = _type_form(world, name="Month-end close (new)", checklist="!Close", cf_count="0")
    assert admin.post(f"/catalog/task-types/{world.a.task_type_id}/edit", data=form).status_code == 302
    edited = _type(app, world, "Month-end close (new)")
    assert edited.checklist_template == [{"title": "Close", "required": True}] and edited.custom_fields == []
    assert admin.post(f"/catalog/task-types/{world.a.task_type_id}/archive").status_code == 302
    assert _type(app, world, "Month-end close (new)").archived_at is not None
    assert admin.post(f"/catalog/task-types/{world.a.task_type_id}/restore").status_code == 302
    assert _type(app, world, "Month-end close (new)").archived_at is None


def test_client_services_page_sets_services_with_checkboxes(app, admin, world):
    detail = admin.get(f"/clients/{world.a.client_id}").get_data(as_text=True)
    assert f"/clients/{world.a.client_id}/services" in detail
    page = admin.get(f"/clients/{world.a.client_id}/services")
    assert page.status_code == 200 and "checked" in page.get_data(as_text=True)
    admin.post("/catalog/service-lines/new", data={"name": "Payroll", "code": "PR"})
    payroll = _line(app, world, "PR")
    response = admin.post(f"/clients/{world.a.client_id}/services", data={"service_line_ids": [str(payroll.id)]})
    assert response.status_code == 302
    with tenant_db(app, world.a.agency_id) as session:
        lines = session.scalars(select(ClientService.service_line_id).where(ClientService.client_id == world.a.client_id)).all()
    assert lines == [payroll.id]
    bad = admin.post(f"/clients/{world.a.client_id}/services", data={"service_line_ids": [str(world.b.service_line_id)]})
    assert bad.status_code == 422


@pytest.mark.parametrize("role", ["staff", "client_admin", "client_member"])
def test_catalog_pages_are_for_admins_only(world, as_user, role):
    user = as_user(getattr(world.a, role))
    for url in (
        "/catalog",
        "/catalog/service-lines/new",
        f"/catalog/task-types/{world.a.task_type_id}/edit",
        f"/clients/{world.a.client_id}/services",
    ):
        assert user.get(url).status_code == 403, url
    assert user.post(f"/catalog/service-lines/{world.a.service_line_id}/archive").status_code == 403
    assert 'href="/catalog"' not in user.get("/").get_data(as_text=True)


def test_foreign_ids_are_404_on_pages(admin, world):
    assert admin.get(f"/catalog/task-types/{world.b.task_type_id}/edit").status_code == 404
    assert admin.post(f"/catalog/service-lines/{world.b.service_line_id}/archive").status_code == 404
    assert admin.get(f"/clients/{world.b.client_id}/services").status_code == 404
