"""Each person's time zone and locale: inheritance, the account page, the agency's defaults, /api/v1/me, and emails."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from sqlalchemy import select

from app.accounts.localtime import viewer_of
from app.core.localtime import Viewer
from app.extensions import db
from tenants.models import Agency, Client
from tests.accounts.test_links import request_reset
from tests.support.web import assert_error, bearer, load_user, tenant_db
from tests.worker.test_jobs import drain

NNBSP = "\u202f"


def set_zone(app, ref, timezone=None, locale=None, *, client_zone=None, agency=None):
    with tenant_db(app, ref.agency_id) as session:
        user = load_user(session, ref)
        user.timezone, user.locale = timezone, locale
        if client_zone is not None:
            session.scalar(select(Client).where(Client.id == user.client_id)).timezone = client_zone
        if agency is not None:
            row = session.scalar(select(Agency).where(Agency.id == ref.agency_id))
            row.timezone, row.locale = agency


def viewer(app, ref) -> Viewer:
    with tenant_db(app, ref.agency_id) as session:
        return viewer_of(load_user(session, ref))


def stored(app, ref) -> tuple:
    with tenant_db(app, ref.agency_id) as session:
        user = load_user(session, ref)
        return user.timezone, user.locale


# --- who inherits what ---------------------------------------------------------------------------


def test_staff_inherit_the_agency_and_client_users_their_clients_zone(app, world):
    set_zone(app, world.a.staff, agency=("America/New_York", "en_US"))
    set_zone(app, world.a.client_admin, client_zone="America/Chicago")
    assert viewer(app, world.a.staff) == Viewer("America/New_York", "en_US")
    assert viewer(app, world.a.client_admin) == Viewer("America/Chicago", "en_US")  # the client has no locale of its own

    set_zone(app, world.a.staff, "Asia/Tokyo", "en_GB")
    assert viewer(app, world.a.staff) == Viewer("Asia/Tokyo", "en_GB")
    assert viewer(app, world.b.staff) == Viewer("Europe/London", "en_GB")  # another agency is untouched


# --- the account page ----------------------------------------------------------------------------


def test_a_user_chooses_their_zone_and_format_on_the_account_page(app, world, as_user):
    set_zone(app, world.a.staff, agency=("Europe/London", "en_GB"))
    staff = as_user(world.a.staff)
    page = staff.get("/account").get_data(as_text=True)
    assert "Default: Europe/London (the agency&#39;s)" in page or "Default: Europe/London (the agency's)" in page

    response = staff.post("/account/local-time", data={"timezone": "America/New_York", "locale": "en_US"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account#local-time")
    assert stored(app, world.a.staff) == ("America/New_York", "en_US")

    # Empty means "inherit" again.
    response = staff.post("/account/local-time", data={"timezone": "", "locale": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account#local-time")
    assert stored(app, world.a.staff) == (None, None)


@time_machine.travel(datetime(2026, 12, 3, 13, 30, tzinfo=UTC), tick=False)
def test_pages_show_instants_in_the_chosen_zone_and_say_which(app, world, as_user):
    set_zone(app, world.a.staff, "America/New_York", "en_US")
    page = as_user(world.a.staff).get("/account").get_data(as_text=True)
    assert f"Dec 3, 2026, 8:30{NNBSP}AM EST" in page
    assert "Times are shown in America/New York (EST)" in page


def test_an_unknown_zone_or_locale_is_a_form_error_and_changes_nothing(app, world, as_user):
    staff = as_user(world.a.staff)
    set_zone(app, world.a.staff, "Europe/Paris", "fr_FR")
    response = staff.post("/account/local-time", data={"timezone": "Mars/Olympus_Mons", "locale": "en_US"})
    assert response.status_code == 422
    assert "Choose a time zone from the list" in response.get_data(as_text=True)
    response = staff.post("/account/local-time", data={"timezone": "America/New_York", "locale": "tlh_KL"})
    assert response.status_code == 422
    assert "Choose a format from the list" in response.get_data(as_text=True)
    assert stored(app, world.a.staff) == ("Europe/Paris", "fr_FR")


# --- the agency's defaults -------------------------------------------------------------------------


def test_the_agency_admin_sets_the_agencys_defaults(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    assert 'id="local-time"' in admin.get("/admin/branding").get_data(as_text=True)
    assert admin.post("/admin/local-time", data={"timezone": "America/New_York", "locale": "en_US"}).status_code == 302
    assert viewer(app, world.a.staff) == Viewer("America/New_York", "en_US")

    response = admin.post("/admin/local-time", data={"timezone": "", "locale": "en_US"})  # an agency always has one
    assert response.status_code == 422
    assert admin.post("/admin/local-time", data={"timezone": "Nowhere/Land", "locale": "en_US"}).status_code == 422
    assert viewer(app, world.a.staff) == Viewer("America/New_York", "en_US")

    assert as_user(world.a.staff).post("/admin/local-time", data={"timezone": "UTC", "locale": "en_GB"}).status_code == 403
    assert viewer(app, world.a.staff) == Viewer("America/New_York", "en_US")


# --- the API ---------------------------------------------------------------------------------------


def test_me_shows_and_changes_the_callers_zone_and_locale(app, world, client):
    headers = bearer(app, world.a.client_admin)
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert (me["timezone"], me["locale"]) == (None, None)
    assert (me["effective_timezone"], me["effective_locale"]) == ("Europe/London", "en_GB")

    changed = client.patch("/api/v1/me", json={"timezone": "America/New_York", "locale": "en_US"}, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["timezone"], body["effective_timezone"], body["effective_locale"]) == ("America/New_York", "America/New_York", "en_US")

    error = assert_error(client.patch("/api/v1/me", json={"timezone": "Atlantis/Capital"}, headers=headers), 422)
    assert "timezone" in error["fields"]
    error = assert_error(client.patch("/api/v1/me", json={"locale": "xx"}, headers=headers), 422)
    assert "locale" in error["fields"]
    assert_error(client.patch("/api/v1/me", json={"role": "agency_admin"}, headers=headers), 422)
    assert stored(app, world.a.client_admin) == ("America/New_York", "en_US")

    assert client.patch("/api/v1/me", json={"timezone": None}, headers=headers).get_json()["effective_timezone"] == "Europe/London"


def test_the_api_keeps_instants_in_utc_whatever_the_callers_zone(app, world, client):
    set_zone(app, world.a.staff, "America/New_York", "en_US")
    with time_machine.travel(datetime(2026, 12, 3, 13, 30, 0, 250000, tzinfo=UTC), tick=False):
        created = client.post("/api/v1/tokens", json={"name": "zone check"}, headers=bearer(app, world.a.staff))
    assert created.status_code == 201
    assert created.get_json()["created_at"].startswith("2026-12-03T13:30:00")
    assert created.get_json()["created_at"].endswith("+00:00")


# --- emails ----------------------------------------------------------------------------------------


def test_an_email_shows_instants_on_the_recipients_clock_and_in_their_locale(app, world, smtp):
    set_zone(app, world.a.client_admin, "America/New_York", "en_US")
    set_zone(app, world.a.staff, "Europe/London", "en_GB")
    # Asked in the future: on PostgreSQL a worker process sends the emails on the real clock, which must find the
    # links still valid, whenever the suite runs.
    with time_machine.travel(datetime(2099, 12, 3, 13, 30, tzinfo=UTC), tick=True):
        for ref in (world.a.client_admin, world.a.staff):
            assert request_reset(app.test_client(), world.a.slug, ref.email).status_code == 200
        drain(app)
    american = smtp.inbox.to(world.a.client_admin.email)[-1].get_body(("plain",)).get_content()
    british = smtp.inbox.to(world.a.staff.email)[-1].get_body(("plain",)).get_content()
    assert f"expires on Dec 3, 2099, 9:30{NNBSP}AM EST." in american
    assert "expires on 3 Dec 2099, 14:30 GMT." in british


def test_jobs_without_a_recipient_use_the_agencys_defaults(app, world):
    from app.core.localtime import current_viewer

    with tenant_db(app, world.a.agency_id):
        db.session.scalar(select(Agency).where(Agency.id == world.a.agency_id)).timezone = "Asia/Kolkata"
    with tenant_db(app, world.a.agency_id):
        assert current_viewer() == Viewer("Asia/Kolkata", "en_GB")
