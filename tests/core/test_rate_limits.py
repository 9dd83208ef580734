"""Rate limits: one API budget per caller across every endpoint, and sign-in counters shared by every process."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.support import app_process
from tests.support.factories import PASSWORD
from tests.support.web import assert_error

API_PATHS = (
    "/api/v1/me",
    "/api/v1/tasks",
    "/api/v1/clients",
    "/api/v1/queues",
    "/api/v1/notifications",
    "/api/v1/tokens",
    "/api/v1/time-entries",
    "/api/v1/schedules",
)


def test_the_api_limit_is_one_budget_per_user_across_endpoints(app, world, as_user, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "20 per minute")
    admin, staff = as_user(world.a.agency_admin), as_user(world.a.staff)
    # Pinned inside one window, so the count cannot be reset half-way by the wall clock.
    start = datetime.now(UTC).replace(second=5, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        statuses = [admin.get(API_PATHS[n % len(API_PATHS)]).status_code for n in range(20)]
        assert set(statuses) == {200}, statuses
        response = admin.get("/api/v1/queues")
        error = assert_error(response, 429, "rate_limited")
        assert error["message"]
        assert 0 < int(response.headers["Retry-After"]) <= 61  # the end of the minute's window, rounded up
        assert admin.get("/api/v1/tasks").status_code == 429  # every endpoint draws from the spent budget
        assert staff.get("/api/v1/tasks").status_code == 200  # another user has a budget of their own
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):  # Redis expires its counters on its own clock
        with time_machine.travel(start + timedelta(minutes=1), tick=False):
            assert admin.get("/api/v1/tasks").status_code == 200  # the next minute


def test_production_refuses_to_start_without_redis(monkeypatch):
    from app import config

    monkeypatch.setenv("BACKLINE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("MAIL_URL", "smtp://mail.example:587?starttls=1")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        config.from_environ()
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert config.from_environ()["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_two_processes_share_the_sign_in_counter_of_an_address(app, world):
    url = app_process.reachable_redis_url()
    if url is None:
        pytest.skip("needs Redis at 127.0.0.1:6379 (or TEST_REDIS_URL)")
    # A key prefix and an address of this test's own: nothing else counts against them.
    prefix, address = f"test-{uuid.uuid4().hex}", "203.0.113.7"
    attempt = {
        "method": "POST",
        "path": "/sign-in",
        "remote_addr": address,
        "data": {"workspace": world.a.slug, "email": world.a.staff.email, "password": "wrong password!"},
    }
    # The per-account backoff would answer first (after 3 failures): this test is about the address's counter.
    env = {"REDIS_URL": url, "LOGIN_IP_LIMIT": "5 per 15 minutes", "LOGIN_SOURCE_FREE_FAILURES": "100"}
    first, _ = app_process.run([attempt] * 3, env=env, config={"RATELIMIT_KEY_PREFIX": prefix})
    second, _ = app_process.run(
        [attempt] * 2 + [{**attempt, "data": {**attempt["data"], "password": PASSWORD}}], env=env, config={"RATELIMIT_KEY_PREFIX": prefix}
    )
    assert [r["status"] for r in first] == [401, 401, 401]
    # The second process continues the first one's count: attempts 4 and 5 fail, the 6th is refused even with
    # the right password.
    assert [r["status"] for r in second] == [401, 401, 429]
