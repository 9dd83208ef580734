"""Client company pages: create, edit and archive through the forms, who may use them, and the empty list."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from app.core.types import utcnow
from tenants.models import Client
from tests.support.web import CSRF_INPUT, csrf_from, tenant_db

DETAIL = re.compile(r"^/clients/([0-9a-f-]{36})$")


@pytest.fixture
def admin(app, world, as_user):
    """Agency A's admin, with CSRF on: every POST carries the token from the form it came from."""
    client = as_user(world.a.agency_admin)
    app.config["WTF_CSRF_ENABLED"] = True
    return client


def client_row(app, agency_id, **where) -> Client | None:
    with tenant_db(app, agency_id) as session:
        stmt = select(Client)
        for key, value in where.items():
            stmt = stmt.where(getattr(Client, key) == value)
        row = session.scalar(stmt)
        session.expunge_all()
    return row


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_admin_creates_a_client_through_the_form(app, world, admin):
    form = admin.get("/clients/new")
    assert form.status_code == 200
    token = html.unescape(CSRF_INPUT.search(form.get_data(as_text=True)).group(1))

    response = admin.post(
        "/clients/new",
        data={
            "csrf_token": token,
            "name": "Wayne Payroll",
            "legal_name": "Wayne Payroll LLP",
            "contact_email": "hr@wayne.example.com",
            "timezone": "America/New_York",
        },
    )

    assert response.status_code == 302
    match = DETAIL.match(response.headers["Location"])
    assert match
    row = client_row(app, world.a.agency_id, name="Wayne Payroll")
    assert row is not None and str(row.id) == match.group(1)
    assert (row.legal_name, row.contact_email, row.timezone) == ("Wayne Payroll LLP", "hr@wayne.example.com", "America/New_York")
    detail = admin.get(response.headers["Location"])
    assert detail.status_code == 200
    assert "Wayne Payroll" in text_of(detail)
    assert "created" in text_of(detail)


def test_create_form_re_renders_with_errors(app, world, admin):
    token = csrf_from(admin, "/clients/new")

    missing = admin.post("/clients/new", data={"csrf_token": token, "name": "", "timezone": "UTC"})
    duplicate = admin.post("/clients/new", data={"csrf_token": token, "name": world.a.client_name, "timezone": "UTC"})
    bad_zone = admin.post("/clients/new", data={"csrf_token": token, "name": "Zone Co", "timezone": "Mars/Olympus"})

    assert missing.status_code == 422
    assert "A client needs a name." in text_of(missing)
    assert duplicate.status_code == 409
    assert "already exists" in text_of(duplicate)
    assert bad_zone.status_code == 422
    assert client_row(app, world.a.agency_id, name="Zone Co") is None


def test_admin_edits_a_client(app, world, admin):
    path = f"/clients/{world.a.client_id}/edit"
    page = admin.get(path)
    assert page.status_code == 200
    assert world.a.client_name in text_of(page)
    token = html.unescape(CSRF_INPUT.search(page.get_data(as_text=True)).group(1))

    response = admin.post(
        path, data={"csrf_token": token, "name": "A Client Renamed", "legal_name": "", "contact_email": "", "timezone": "Europe/Paris"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/clients/{world.a.client_id}"
    row = client_row(app, world.a.agency_id, id=world.a.client_id)
    assert (row.name, row.timezone, row.legal_name) == ("A Client Renamed", "Europe/Paris", None)


def test_edit_to_a_taken_name_is_refused(app, world, admin):
    path = f"/clients/{world.a.client_id}/edit"

    response = admin.post(path, data={"csrf_token": csrf_from(admin, path), "name": world.a.other_client_name, "timezone": "UTC"})

    assert response.status_code == 409
    assert client_row(app, world.a.agency_id, id=world.a.client_id).name == world.a.client_name


def test_admin_archives_and_restores_a_client(app, world, admin):
    detail = f"/clients/{world.a.client_id}"
    token = csrf_from(admin, detail)

    archived = admin.post(f"{detail}/archive", data={"csrf_token": token})

    assert archived.status_code == 302
    assert client_row(app, world.a.agency_id, id=world.a.client_id).archived_at is not None
    assert "is archived" in text_of(admin.get(archived.headers["Location"]))
    link = f'href="/clients/{world.a.client_id}"'
    assert link not in text_of(admin.get("/clients"))
    assert link in text_of(admin.get("/clients?status=archived"))

    restored = admin.post(f"{detail}/restore", data={"csrf_token": token})

    assert restored.status_code == 302
    assert client_row(app, world.a.agency_id, id=world.a.client_id).archived_at is None


def test_list_shows_the_agencys_active_clients_only(world, admin):
    body = text_of(admin.get("/clients"))

    assert world.a.client_name in body
    assert world.a.other_client_name in body
    assert world.b.client_name not in body


def test_list_shows_an_empty_state_without_clients(app, world, admin):
    with tenant_db(app, world.a.agency_id) as session:
        for row in session.scalars(select(Client)):
            row.archived_at = utcnow()

    response = admin.get("/clients")

    assert response.status_code == 200
    body = text_of(response)
    assert "No clients yet" in body
    assert 'href="/clients/new"' in body
    assert world.a.client_name not in body


def test_search_without_match_shows_its_own_empty_state(admin):
    response = admin.get("/clients?q=nothing-like-this")

    assert response.status_code == 200
    assert "No clients match" in text_of(response)


def test_staff_get_403_on_new_client(app, world, as_user):
    staff = as_user(world.a.staff)

    assert staff.get("/clients/new").status_code == 403
    assert staff.post("/clients/new", data={"name": "Staff Co", "timezone": "UTC"}).status_code == 403
    assert staff.get(f"/clients/{world.a.client_id}/edit").status_code == 403
    assert staff.post(f"/clients/{world.a.client_id}/archive").status_code == 403
    assert client_row(app, world.a.agency_id, name="Staff Co") is None
    assert client_row(app, world.a.agency_id, id=world.a.client_id).archived_at is None


def test_staff_list_shows_only_assigned_clients_and_an_empty_state_otherwise(world, as_user):
    assigned = text_of(as_user(world.a.staff).get("/clients"))
    idle = as_user(world.a.idle_staff).get("/clients")

    assert world.a.client_name in assigned
    assert world.a.other_client_name not in assigned
    assert idle.status_code == 200
    assert "not assigned to any clients" in text_of(idle)


def test_staff_cannot_open_an_unassigned_client(world, as_user):
    staff = as_user(world.a.staff)

    assert staff.get(f"/clients/{world.a.client_id}").status_code == 200
    assert staff.get(f"/clients/{world.a.other_client_id}").status_code == 404


@pytest.mark.parametrize("role", ["client_admin", "client_member"])
def test_client_users_cannot_use_client_pages(world, as_user, role):
    client = as_user(getattr(world.a, role))

    assert client.get("/clients").status_code == 403
    assert client.get(f"/clients/{world.a.client_id}").status_code == 403


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/clients")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_another_agencys_client_page_is_404(world, admin):
    assert admin.get(f"/clients/{world.b.client_id}").status_code == 404
    assert admin.get(f"/clients/{world.b.client_id}/edit").status_code == 404


def test_staff_page_lists_staff_with_roles_and_current_assignments(world, as_user):
    page = as_user(world.a.agency_admin).get(f"/clients/{world.a.client_id}/staff")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert world.a.staff.name in body and world.a.idle_staff.name in body and "Agency admin" in body
    assert f'value="{world.a.staff.id}" id="staff_ids-{world.a.staff.id}" checked' in body
    assert f'value="{world.a.idle_staff.id}" id="staff_ids-{world.a.idle_staff.id}">' in body
