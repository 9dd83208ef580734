"""Large CSV exports run as a job: progress and failure shown on a page, the finished file for its requester only."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core.jobs import wait_for_jobs
from app.extensions import db
from app.work.models import TaskExport
from app.work.queries import exports as export_queries
from tests.support.web import tenant_db
from tests.work.test_lists import SPECS, _pinned_clock, make_tasks  # noqa: F401 - the pinned clock applies here too
from tests.worker.test_jobs import drain
from worker.jobs.exports import export_tasks

LIST = "/clients/{client_id}/tasks.csv?status=all"


@pytest.fixture
def small_inline(app, monkeypatch):
    monkeypatch.setitem(app.config, "CSV_EXPORT_INLINE_ROWS", 3)
    monkeypatch.setattr(export_queries, "CHUNK", 4)  # several chunks, so several progress updates


def _start(admin, world) -> str:
    response = admin.get(LIST.format(client_id=world.a.client_id))
    assert response.status_code == 303
    match = re.fullmatch(r".*/exports/([0-9a-f-]{36})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_small_lists_still_export_at_once(app, world, as_user):
    make_tasks(app, world, SPECS)
    response = as_user(world.a.agency_admin).get(LIST.format(client_id=world.a.client_id))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert len(list(csv.reader(io.StringIO(response.get_data(as_text=True))))) == 1 + 12


def test_a_large_export_runs_as_a_job_and_its_file_matches_the_immediate_one(app, world, as_user, small_inline, monkeypatch):
    make_tasks(app, world, SPECS)
    admin = as_user(world.a.agency_admin)
    export_id = _start(admin, world)
    assert admin.get(f"/exports/{export_id}").status_code == 200  # in-process, the job may have finished already
    drain(app)
    page = admin.get(f"/exports/{export_id}").get_data(as_text=True)
    assert 'data-state="done"' in page and f"/exports/{export_id}/download" in page and "refresh" not in page
    download = admin.get(f"/exports/{export_id}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    monkeypatch.setitem(app.config, "CSV_EXPORT_INLINE_ROWS", 1000)
    at_once = admin.get(LIST.format(client_id=world.a.client_id))
    assert download.headers["Content-Disposition"].startswith("attachment") and "client.csv" in at_once.headers["Content-Disposition"]
    assert "client.csv" in download.headers["Content-Disposition"]
    immediate = at_once.get_data(as_text=True)

    # The SLA state column is as of when the rows were written: on Redis the worker process runs on the real clock.
    def without_state(text):
        return [row[:10] + row[11:] for row in csv.reader(io.StringIO(text))]

    assert without_state(download.get_data(as_text=True)) == without_state(immediate)
    download.close()
    assert len(list(csv.reader(io.StringIO(immediate)))) == 1 + 12
    with tenant_db(app, world.a.agency_id):
        export = db.session.scalar(select(TaskExport))
        assert (export.status, export.rows, export.total) == ("done", 12, 12) and export.expires_at > export.created_at


def test_the_page_shows_progress_while_the_export_runs(app, world, as_user):
    with tenant_db(app, world.a.agency_id):
        export = TaskExport(
            user_id=world.a.agency_admin.id,
            view="tasks",
            options={},
            filename="tasks.csv",
            status="running",
            total=12_000,
            rows=4_000,
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        db.session.add(export)
        db.session.commit()
        export_id = export.id
    page = as_user(world.a.agency_admin).get(f"/exports/{export_id}").get_data(as_text=True)
    assert 'data-state="running"' in page and 'http-equiv="refresh"' in page and 'value="4000"' in page and "of 12,000 tasks" in page
    assert as_user(world.a.agency_admin).get(f"/exports/{export_id}/download").status_code == 404


def test_only_the_requester_sees_an_export(app, world, as_user, small_inline):
    make_tasks(app, world, SPECS)
    export_id = _start(as_user(world.a.agency_admin), world)
    drain(app)
    for other in (world.b.agency_admin, world.a.staff):  # another agency's admin; a colleague in the same agency
        client = as_user(other)
        assert client.get(f"/exports/{export_id}").status_code == 404
        assert client.get(f"/exports/{export_id}/download").status_code == 404
    portal = as_user(world.a.client_admin)
    assert portal.get(f"/exports/{export_id}/download").status_code in (403, 404)


def test_a_failed_export_says_so_and_offers_no_file(app, world, as_user, small_inline, monkeypatch):
    make_tasks(app, world, SPECS)
    admin = as_user(world.a.agency_admin)
    calls = []

    def broken(rows, zone, now):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("the database went away mid-export")
        return original(rows, zone, now)

    original = export_queries.lines
    monkeypatch.setattr(export_queries, "lines", broken)
    export_id = _start(admin, world)
    with app.app_context():
        wait_for_jobs()  # in-process: the job ran here, with the broken writer
        # On Redis the job waits for a worker process; run it here instead, where the writer is broken.
        assert export_tasks(str(world.a.agency_id), export_id=export_id) in ("failed", "skipped")
    assert len(calls) == 2
    page = admin.get(f"/exports/{export_id}").get_data(as_text=True)
    assert 'data-state="failed"' in page and "download" not in page.split('data-state="failed"')[1]
    assert admin.get(f"/exports/{export_id}/download").status_code == 404
    with tenant_db(app, world.a.agency_id):
        export = db.session.scalar(select(TaskExport))
        assert export.status == "failed" and export.file_key is None
