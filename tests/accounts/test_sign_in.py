"""Signing in through the page: success, one refusal for every cause, throttles, audit and suspended agencies."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import SIGN_IN_FAILED
from app.core.audit import AuditEvent
from app.core.types import utcnow
from app.extensions import db
from tests.support.factories import PASSWORD
from tests.support.web import CSRF_INPUT, csrf_from, sign_in, tenant_db


def is_signed_in(client) -> bool:
    response = client.get("/api/v1/tokens")
    assert response.status_code in (200, 401)
    return response.status_code == 200


def events(app, agency_id, action) -> list[AuditEvent]:
    with tenant_db(app, agency_id) as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.at)))
        session.expunge_all()
    return rows


def test_sign_in_page_renders_a_form_with_csrf_token(client):
    response = client.get("/sign-in")

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert CSRF_INPUT.search(body)
    for name in ("workspace", "email", "password", "remember"):
        assert f'name="{name}"' in body


def test_sign_in_redirects_home_and_remembers_the_workspace(world, client):
    response = sign_in(client, world.a.slug, world.a.staff.email, PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    cookie = client.get_cookie("backline_workspace")
    assert cookie is not None and cookie.value == world.a.slug
    assert is_signed_in(client)
    # the workspace is prefilled next time
    client.post("/sign-out", data={"csrf_token": csrf_from(client, "/account")})
    assert f'value="{world.a.slug}"' in client.get("/sign-in").get_data(as_text=True)


def test_sign_in_is_case_insensitive_for_workspace_and_email(world, client):
    response = sign_in(client, world.a.slug.upper(), world.a.staff.email.upper(), PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_sign_in_follows_a_safe_next_path(world, client):
    response = sign_in(client, world.a.slug, world.a.agency_admin.email, PASSWORD, next_url="/clients")

    assert response.status_code == 302
    assert response.headers["Location"] == "/clients"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_sign_in_ignores_an_offsite_next(world, client, target):
    response = sign_in(client, world.a.slug, world.a.agency_admin.email, PASSWORD, next_url=target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_remember_me_sets_a_remember_cookie(world, client):
    sign_in(client, world.a.slug, world.a.staff.email, PASSWORD, remember=True)

    assert client.get_cookie("remember_token") is not None


def test_without_remember_me_no_remember_cookie(world, client):
    sign_in(client, world.a.slug, world.a.staff.email, PASSWORD)

    assert client.get_cookie("remember_token") is None


def _deactivate(app, ref):
    with tenant_db(app, ref.agency_id) as session:
        session.scalar(select(User).where(User.id == ref.id)).deactivated_at = utcnow()


@pytest.mark.parametrize("case", ["unknown workspace", "unknown email", "wrong password", "deactivated user", "invited user", "other agency's user"])
def test_every_refusal_gives_the_same_message_and_status(app, world, client, case):
    workspace, email, password = world.a.slug, world.a.staff.email, PASSWORD
    if case == "unknown workspace":
        workspace = "no-such-agency"
    elif case == "unknown email":
        email = "nobody@a.test"
    elif case == "wrong password":
        password = "not the password at all"
    elif case == "deactivated user":
        _deactivate(app, world.a.staff)
    elif case == "invited user":
        email = world.a.invited.email
    else:
        email = world.b.staff.email

    response = sign_in(client, workspace, email, password)

    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert SIGN_IN_FAILED in body
    alerts = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>\s*</div>', body, re.S)
    assert [re.sub(r"<[^>]+>|\s+", " ", a).strip() for a in alerts] == [SIGN_IN_FAILED]
    assert not is_signed_in(client)
    assert client.get_cookie("backline_workspace") is None


def test_a_missing_field_re_renders_the_form_with_422(world, client):
    response = client.post(
        "/sign-in", data={"csrf_token": csrf_from(client), "workspace": world.a.slug, "email": world.a.staff.email, "password": ""}
    )

    assert response.status_code == 422
    assert "Enter your password." in response.get_data(as_text=True)
    assert not is_signed_in(client)


def from_address(app, address: str):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def wait_in(response) -> int:
    """The wait a throttled page states ("Wait 4 minutes 16 seconds"), in seconds."""
    found = re.search(r"Wait (?:(\d+) minutes? ?)?(?:(\d+) seconds?)? and try again", response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return int(found.group(1) or 0) * 60 + int(found.group(2) or 0)


def test_an_attacker_cannot_lock_out_the_real_user_and_waits_longer_each_time(app, world):
    attacker = from_address(app, "203.0.113.66")
    waits, failures = [], 0
    with time_machine.travel(utcnow(), tick=False) as clock:
        while failures < 10:
            response = sign_in(attacker, world.a.slug, world.a.staff.email, "wrong password!")
            if response.status_code == 429:
                waits.append(wait_in(response))
                assert int(response.headers["Retry-After"]) >= waits[-1]
                # even the right password is not checked while this source waits
                assert sign_in(attacker, world.a.slug, world.a.staff.email, PASSWORD).status_code == 429
                clock.shift(timedelta(seconds=waits[-1]))
                continue
            assert response.status_code == 401
            failures += 1

        free = app.config["LOGIN_SOURCE_FREE_FAILURES"]
        assert len(waits) == 10 - free
        assert waits == sorted(waits) and len(set(waits)) == len(waits)  # the delays grow
        assert waits[-1] >= 2 ** (len(waits) - 1) * app.config["LOGIN_BACKOFF_SECONDS"]

        real_user = from_address(app, "198.51.100.7")
        assert sign_in(real_user, world.a.slug, world.a.staff.email, PASSWORD).status_code == 302
        assert is_signed_in(real_user)


def test_a_ceiling_across_all_sources_still_stops_a_spread_out_guesser(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_MAX_FAILURES", 6)
    for n in range(6):
        assert sign_in(from_address(app, f"203.0.113.{n}"), world.a.slug, world.a.staff.email, "wrong password!").status_code == 401

    throttled = sign_in(from_address(app, "198.51.100.7"), world.a.slug, world.a.staff.email, PASSWORD)

    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= app.config["LOGIN_ACCOUNT_WINDOW_MINUTES"] * 60
    other = app.test_client()
    assert sign_in(other, world.a.slug, world.a.agency_admin.email, PASSWORD).status_code == 302


def test_a_success_from_a_source_clears_its_delay(app, world):
    client = from_address(app, "198.51.100.7")
    free = app.config["LOGIN_SOURCE_FREE_FAILURES"]
    for _ in range(free - 1):
        assert sign_in(client, world.a.slug, world.a.staff.email, "typo password").status_code == 401
    assert sign_in(client, world.a.slug, world.a.staff.email, PASSWORD).status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_from(client, "/account")})
    for _ in range(free):
        assert sign_in(client, world.a.slug, world.a.staff.email, "typo password").status_code == 401


def test_throttle_counts_unknown_emails_the_same_way(app, world, client):
    for _ in range(app.config["LOGIN_SOURCE_FREE_FAILURES"]):
        assert sign_in(client, world.a.slug, "ghost@a.test", "whatever-password").status_code == 401

    assert sign_in(client, world.a.slug, "ghost@a.test", "whatever-password").status_code == 429


def test_repeated_failures_email_the_user_once_per_window(app, world, smtp):
    from tests.worker.test_jobs import drain

    threshold = app.config["LOGIN_ALERT_FAILURES"]
    with time_machine.travel(utcnow(), tick=False) as clock:
        for n in range(threshold + 3):
            assert sign_in(from_address(app, f"203.0.113.{n}"), world.a.slug, world.a.staff.email, "wrong password!").status_code == 401
        drain(app)

        [alert] = smtp.inbox.to(world.a.staff.email)
        assert alert["Subject"] == "Failed sign-ins to your Agency A account"
        text = alert.get_body(preferencelist=("plain",)).get_content()
        # counted when the job runs: at least the failures that triggered it
        assert int(re.search(r"There were (\d+) failed attempts", text).group(1)) >= threshold
        assert "203.0.113." in text
        assert "http://backline.test/password/forgot?workspace=agency-a" in text

        clock.shift(timedelta(minutes=app.config["LOGIN_ACCOUNT_WINDOW_MINUTES"], seconds=1))
        for n in range(threshold):
            sign_in(from_address(app, f"192.0.2.{n}"), world.a.slug, world.a.staff.email, "wrong password!")
        drain(app)
    assert len(smtp.inbox.to(world.a.staff.email)) == 2
    assert smtp.inbox.to(world.a.agency_admin.email) == []


def test_unknown_accounts_get_no_alert(app, world, smtp):
    from tests.worker.test_jobs import drain

    for n in range(app.config["LOGIN_ALERT_FAILURES"] + 1):
        sign_in(from_address(app, f"203.0.113.{n}"), world.a.slug, "ghost@a.test", "wrong password!")
    drain(app)
    assert smtp.inbox.messages == []


def test_per_ip_limit_answers_429(app, world, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", "3 per minute")
    for n in range(3):
        # a different account each time, so only the per-address limit can trip
        assert sign_in(client, world.a.slug, f"stranger{n}@a.test", "wrong password!").status_code == 401

    response = sign_in(client, world.a.slug, world.a.staff.email, PASSWORD)

    assert response.status_code == 429
    assert not is_signed_in(client)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert sign_in(elsewhere, world.a.slug, world.a.staff.email, PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count_against_the_ip_limit(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", "2 per minute")
    for _ in range(4):
        client = app.test_client()
        assert sign_in(client, world.a.slug, world.a.staff.email, PASSWORD).status_code == 302


def test_failures_and_successes_are_audited(app, world, client):
    sign_in(client, world.a.slug, world.a.staff.email, "wrong password!")
    sign_in(client, world.a.slug, "nobody@a.test", "wrong password!")
    sign_in(client, world.a.slug, world.a.staff.email, PASSWORD)

    failed = events(app, world.a.agency_id, "auth.sign_in_failed")
    assert [(e.actor_email, e.details["reason"]) for e in failed] == [
        (world.a.staff.email, "password"),
        ("nobody@a.test", "unknown"),
    ]
    assert all(e.ip == "127.0.0.1" for e in failed)
    succeeded = events(app, world.a.agency_id, "auth.signed_in")
    assert [(e.actor_id, e.target_id) for e in succeeded] == [(world.a.staff.id, str(world.a.staff.id))]
    assert events(app, world.b.agency_id, "auth.sign_in_failed") == []


def test_a_suspended_agencys_users_cannot_sign_in(app, world, client):
    from app.agencies.services import set_suspended

    with app.app_context():
        set_suspended(world.a.slug, True)
        db.session.commit()

    response = sign_in(client, world.a.slug, world.a.agency_admin.email, PASSWORD)

    assert response.status_code == 401
    assert SIGN_IN_FAILED in response.get_data(as_text=True)
    assert not is_signed_in(client)
    assert [e.details["reason"] for e in events(app, world.a.agency_id, "auth.sign_in_failed")] == ["suspended"]
    other = app.test_client()
    assert sign_in(other, world.b.slug, world.b.agency_admin.email, PASSWORD).status_code == 302


def test_suspending_an_agency_ends_its_open_sessions(app, world, as_user):
    session_client = as_user(world.a.staff)
    assert is_signed_in(session_client)
    from app.agencies.services import set_suspended

    with app.app_context():
        set_suspended(world.a.slug, True)
        db.session.commit()

    assert not is_signed_in(session_client)


def test_signed_in_user_visiting_sign_in_goes_home(world, as_user):
    response = as_user(world.a.staff).get("/sign-in")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
