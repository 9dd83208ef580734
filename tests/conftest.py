"""Test fixtures: the schema is made once per run by the migrations; tables are emptied after each test.

Without TEST_DATABASE_URL the suite runs on the embedded default (a SQLite file, jobs in-process).
With TEST_DATABASE_URL (the application role), TEST_MIGRATION_DATABASE_URL (the owner) and
TEST_REDIS_URL it runs on PostgreSQL under row-level security, with jobs on Redis.
BACKLINE_TEST_CLOCK (an ISO 8601 instant) starts the whole run's clock at that instant, ticking, to find tests
whose outcome depends on when they run.
Passwords are hashed with argon2id's cheapest parameters here (BACKLINE_TEST_PASSWORD_HASHING=cheap); one test
(tests/accounts/test_password_hashing.py) holds the production parameters.
"""

from __future__ import annotations

import os
import tempfile

PG_URL = os.environ.get("TEST_DATABASE_URL")
_INSTANCE = tempfile.mkdtemp(prefix="backline-tests-")
os.environ["BACKLINE_INSTANCE_DIR"] = _INSTANCE
# Set before the app is imported: its hasher is made at import (subprocesses the tests start inherit it too).
os.environ.setdefault("BACKLINE_TEST_PASSWORD_HASHING", "cheap")
for _name in ("DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "MAIL_URL", "SERVER_NAME"):
    os.environ.pop(_name, None)
if PG_URL:
    os.environ["DATABASE_URL"] = PG_URL
    os.environ["MIGRATION_DATABASE_URL"] = os.environ.get("TEST_MIGRATION_DATABASE_URL", PG_URL)
    os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from tests.support import world as world_module  # noqa: E402

ON_POSTGRES = bool(PG_URL)

_clock_travel = None


def pytest_configure(config):
    """With BACKLINE_TEST_CLOCK set, the run's clock starts at that instant and ticks (tests may still freeze it)."""
    global _clock_travel
    instant = os.environ.get("BACKLINE_TEST_CLOCK", "").strip()
    if not instant or _clock_travel is not None:
        return
    from datetime import datetime

    import time_machine

    try:
        start = datetime.fromisoformat(instant)
    except ValueError:
        raise pytest.UsageError(f"BACKLINE_TEST_CLOCK={instant!r} is not an ISO 8601 instant (e.g. 2026-12-05T23:30:00Z)") from None
    if start.tzinfo is None:
        raise pytest.UsageError(f"BACKLINE_TEST_CLOCK={instant!r} needs a UTC offset (e.g. ...Z or +00:00)")
    _clock_travel = time_machine.travel(start, tick=True)
    _clock_travel.start()


def pytest_unconfigure(config):
    global _clock_travel
    if _clock_travel is not None:
        _clock_travel.stop()
        _clock_travel = None


def pytest_report_header(config):
    instant = os.environ.get("BACKLINE_TEST_CLOCK", "").strip()
    return [f"clock: started at {instant} (BACKLINE_TEST_CLOCK)"] if instant else []


@pytest.fixture(scope="session")
def app():
    from flask_migrate import downgrade, upgrade

    from app import create_app

    app = create_app({"TESTING": True, "PUBLIC_URL": "http://backline.test"})
    with app.app_context():
        if ON_POSTGRES:
            downgrade(revision="base")
        upgrade()
    if ON_POSTGRES:
        from redis import Redis

        Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    yield app


@pytest.fixture(scope="session")
def owner_engine(app):
    """A connection that sees every tenant (schema owner with BYPASSRLS, or the SQLite file)."""
    url = app.config.get("MIGRATION_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url)
    yield engine
    engine.dispose()


def _empty_tables(app, owner_engine) -> None:
    from app.extensions import db

    # DELETE, children first, on PostgreSQL too: for the few rows a test leaves it is far cheaper than TRUNCATE,
    # which makes new files for every table and index each time.
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with owner_engine.begin() as conn:
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(autouse=True)
def _clean_state(app, owner_engine):
    yield
    from app.core.jobs import wait_for_jobs
    from app.extensions import db, limiter

    with app.app_context():
        wait_for_jobs()
        db.session.remove()
    _empty_tables(app, owner_engine)
    if ON_POSTGRES:
        # Jobs a test left queued must not run against the next test's world.
        from redis import Redis

        Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    limiter.reset()
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["MAIL_URL"] = None


@pytest.fixture
def smtp(app):
    """A real SMTP server on loopback that the app mails to; emails still queued are delivered while it listens."""
    from tests.support.smtp import SMTPServer
    from tests.worker.test_jobs import drain

    with SMTPServer() as server:
        app.config["MAIL_URL"] = server.url
        yield server
        drain(app)


@pytest.fixture
def ctx(app):
    """An app context for the test body; the session is closed afterwards."""
    from app.extensions import db

    with app.app_context() as context:
        yield context
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """Two agencies with every role, two clients each, and one row of every tenant table."""
    with app.app_context():
        return world_module.build()


@pytest.fixture
def as_user(app):
    """as_user(user) -> a test client signed in as that user (session cookie, CSRF off)."""
    return world_module.signed_in_client_factory(app)
