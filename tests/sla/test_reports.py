"""SLA reports: exact figures from known clock columns, scopes and reach, the weekly trend, breaches, CSV, pages and API."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.extensions import db
from app.sla.models import SlaEvent, SlaPolicyVersion
from app.sla.queries import reports as queries
from app.sla.queries.reports import InvalidRange, ReportScope, percentile
from app.work.access import visible_tasks
from tests.support import factories as f
from tests.support.web import assert_error, tenant_db

START, END = date(2026, 3, 2), date(2026, 3, 22)  # Monday of 2026-W10 to Sunday of 2026-W12
RANGE = "from=2026-03-02&to=2026-03-22"


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def build(app, world) -> SimpleNamespace:
    """Tasks of agency A with known clocks (see each comment), a second queue, service line and type, and events."""
    a = world.a
    with tenant_db(app, a.agency_id):
        line2 = f.ServiceLineFactory(agency_id=a.agency_id, name="Payroll", code="PR")
        queue2 = f.QueueFactory(agency_id=a.agency_id, name="Payroll queue", service_line_id=line2.id)
        type2 = f.TaskTypeFactory(agency_id=a.agency_id, service_line_id=line2.id, name="Payroll run")

        def task(title, client=a.client_id, queue=a.queue_id, task_type=a.task_type_id, assignee=a.staff.id, sla=True, **clock):
            return f.TaskFactory(
                agency_id=a.agency_id,
                client_id=client,
                queue_id=queue,
                task_type_id=task_type,
                assignee_id=assignee,
                title=title,
                sla_policy_version_id=version_id if sla else None,
                **clock,
            ).id

        ids = SimpleNamespace(line2=line2.id, queue2=queue2.id)
        # Read, not taken from the world: its refs are collected before the version row is flushed.
        version_id = db.session.scalar(select(SlaPolicyVersion.id))
        # Met both clocks, in week 10.
        ids.t1 = task(
            "T1 met",
            status="done",
            resolution_due_at=at(3),
            resolved_at=at(3, 9),
            resolution_minutes=120,
            first_response_due_at=at(2, 12),
            first_responded_at=at(2, 10),
            first_response_minutes=60,
            sla_waiting_minutes=30,
        )
        # Breached both clocks, in week 10 (resolved late, answered late).
        ids.t2 = task(
            "T2 late",
            status="done",
            resolution_due_at=at(4),
            resolution_breached_at=at(4),
            resolved_at=at(5, 9),
            resolution_minutes=600,
            first_response_due_at=at(2, 13),
            first_response_breached_at=at(2, 13),
            first_responded_at=at(2, 15),
            first_response_minutes=300,
            sla_waiting_minutes=90,
        )
        # Pending in week 12.
        ids.t3 = task("T3 running", status="in_progress", resolution_due_at=at(17))
        # Met in week 12, for the second client, assigned to the idle staff member.
        ids.t4 = task(
            "T4 other client",
            client=a.other_client_id,
            assignee=a.idle_staff.id,
            status="done",
            resolution_due_at=at(18),
            resolved_at=at(18, 8),
            resolution_minutes=240,
            sla_waiting_minutes=60,
        )
        # Breached in week 12, payroll queue and service, unassigned; its title would be a spreadsheet formula.
        ids.t9 = task(
            '=HYPERLINK("x")',
            queue=queue2.id,
            task_type=type2.id,
            assignee=None,
            status="in_progress",
            resolution_due_at=at(20),
            resolution_breached_at=at(20),
        )
        # Resolved early in the range, due after it: counts for resolution time only.
        ids.t7 = task("T7 early", status="done", resolution_due_at=at(25), resolved_at=at(10), resolution_minutes=480)
        # Excluded: cancelled, no SLA, and due (and breached) before the range.
        ids.t5 = task("T5 cancelled", status="cancelled", resolution_due_at=at(3), resolution_breached_at=at(3), sla_waiting_minutes=999)
        ids.t6 = task("T6 no SLA", sla=False, status="done", resolution_due_at=at(3), resolved_at=at(3, 8), resolution_minutes=5)
        ids.t8 = task("T8 before", status="in_progress", resolution_due_at=at(20, month=2), resolution_breached_at=at(20, month=2))
        for task_id, client, metric, when in (
            (ids.t2, a.client_id, "resolution", at(4)),
            (ids.t2, a.client_id, "first_response", at(2, 13)),
            (ids.t9, a.client_id, "resolution", at(20)),
            (ids.t5, a.client_id, "resolution", at(3)),
            (ids.t8, a.client_id, "resolution", at(20, month=2)),
        ):
            db.session.add(SlaEvent(agency_id=a.agency_id, client_id=client, task_id=task_id, metric=metric, kind="breached", occurred_at=when))
        db.session.add(
            SlaEvent(agency_id=a.agency_id, client_id=a.client_id, task_id=ids.t3, metric="resolution", kind="at_risk", occurred_at=at(16))
        )
    return ids


def report(app, world, scope=None, start=START, end=END, base=None):
    with tenant_db(app, world.a.agency_id):
        return queries.sla_report(scope, start, end, base=base(world) if base else None)


# --- figures ---------------------------------------------------------------------------------------


def test_headline_figures(app, world):
    build(app, world)
    r = report(app, world)
    res, resp = r.figures.resolution, r.figures.first_response
    assert (res.due, res.met, res.breached, res.pending, res.compliance) == (5, 2, 2, 1, 50.0)
    assert (resp.due, resp.met, resp.breached, resp.pending, resp.compliance) == (2, 1, 1, 0, 50.0)
    # responded in range: 60, 300 -> median 180 min, p90 60 + 0.9 * 240 = 276 min
    assert (r.figures.response_time.count, r.figures.response_time.median_hours, r.figures.response_time.p90_hours) == (2, 3.0, 4.6)
    # resolved in range: 120, 240, 480, 600 -> median 360 min, p90 480 + 0.7 * 120 = 564 min
    assert (r.figures.resolution_time.count, r.figures.resolution_time.median_hours, r.figures.resolution_time.p90_hours) == (4, 6.0, 9.4)
    assert (r.figures.waiting.tasks, r.figures.waiting.total_minutes, r.figures.waiting.average_minutes) == (5, 180, 36.0)
    assert r.has_data


def test_weekly_trend_has_every_week_including_empty_ones(app, world):
    build(app, world)
    weeks = report(app, world).weeks
    assert [(w.label, w.start, w.end) for w in weeks] == [
        ("2026-W10", date(2026, 3, 2), date(2026, 3, 8)),
        ("2026-W11", date(2026, 3, 9), date(2026, 3, 15)),
        ("2026-W12", date(2026, 3, 16), date(2026, 3, 22)),
    ]
    assert [(w.resolution.due, w.resolution.met, w.resolution.breached, w.resolution.compliance) for w in weeks] == [
        (2, 1, 1, 50.0),
        (0, 0, 0, None),
        (3, 1, 1, 50.0),
    ]


def test_partial_weeks_count_only_days_in_the_range(app, world):
    build(app, world)
    weeks = report(app, world, start=date(2026, 3, 4), end=date(2026, 3, 17)).weeks  # Wednesday to Tuesday
    assert [w.label for w in weeks] == ["2026-W10", "2026-W11", "2026-W12"]
    assert [w.resolution.due for w in weeks] == [1, 0, 1]  # T2 (4 Mar) and T3 (17 Mar); T1 (3 Mar) and T4 (18 Mar) fall outside


def test_single_week_range(app, world):
    build(app, world)
    r = report(app, world, start=date(2026, 3, 3), end=date(2026, 3, 3))
    assert [(w.label, w.resolution.due, w.resolution.met) for w in r.weeks] == [("2026-W10", 1, 1)]


def test_breaches_newest_first_with_details(app, world):
    ids = build(app, world)
    r = report(app, world)
    assert r.breach_count == 3
    assert [(b.task_id, b.metric, b.occurred_at) for b in r.breaches] == [
        (ids.t9, "resolution", at(20)),
        (ids.t2, "resolution", at(4)),
        (ids.t2, "first_response", at(2, 13)),
    ]
    late = r.breaches[2]
    assert (late.title, late.client_name, late.queue_name, late.assignee_name, late.due_at) == (
        "T2 late",
        "A Client One",
        "Bookkeeping queue",
        "A Staff",
        at(2, 13),
    )
    assert r.breaches[0].assignee_name is None and r.breaches[0].queue_name == "Payroll queue"


def test_breach_limit_keeps_the_count(app, world):
    build(app, world)
    with tenant_db(app, world.a.agency_id):
        r = queries.sla_report(None, START, END, breach_limit=1)
    assert r.breach_count == 3 and len(r.breaches) == 1


@pytest.mark.parametrize(
    "scope, expected",
    [
        ("client", (1, 1, 0)),  # T4 only
        ("queue", (1, 0, 1)),  # T9 only
        ("service_line", (1, 0, 1)),  # T9 only
        ("assignee", (1, 1, 0)),  # T4 only
        ("unassigned_line", (4, 2, 1)),  # the first service line: all but T9
    ],
)
def test_scope_narrows(app, world, scope, expected):
    ids = build(app, world)
    scopes = {
        "client": ReportScope(client_id=world.a.other_client_id),
        "queue": ReportScope(queue_id=ids.queue2),
        "service_line": ReportScope(service_line_id=ids.line2),
        "assignee": ReportScope(assignee_id=world.a.idle_staff.id),
        "unassigned_line": ReportScope(service_line_id=world.a.service_line_id),
    }
    res = report(app, world, scopes[scope]).figures.resolution
    assert (res.due, res.met, res.breached) == expected


def test_staff_see_only_their_reach(app, world):
    build(app, world)
    # The world's staff member works the first queue and serves the first client: T1, T2, T3 (and T7, resolved early).
    r = report(app, world, base=lambda w: visible_tasks(SimpleNamespace(id=w.a.staff.id, role="staff")))
    res = r.figures.resolution
    assert (res.due, res.met, res.breached, res.pending) == (3, 1, 1, 1)
    assert r.figures.resolution_time.count == 3
    assert r.breach_count == 2 and {b.title for b in r.breaches} == {"T2 late"}


def test_another_agency_sees_nothing(app, world):
    build(app, world)
    with tenant_db(app, world.b.agency_id):
        r = queries.sla_report(None, START, END)
    assert not r.has_data and r.breach_count == 0 and len(r.weeks) == 3


def test_breakdowns(app, world):
    build(app, world)
    with tenant_db(app, world.a.agency_id):
        by = {d: queries.breakdown(d, START, END) for d in queries.DIMENSIONS}
    rows = {d: [(r.name, r.figures.resolution.due, r.figures.resolution.met, r.figures.resolution.breached) for r in by[d]] for d in by}
    assert rows["client"] == [("A Client One", 4, 1, 2), ("A Client Two", 1, 1, 0)]
    assert rows["queue"] == [("Bookkeeping queue", 4, 2, 1), ("Payroll queue", 1, 0, 1)]
    assert rows["service_line"] == [("Bookkeeping", 4, 2, 1), ("Payroll", 1, 0, 1)]
    assert rows["assignee"] == [("A Idle", 1, 1, 0), ("A Staff", 3, 1, 1), ("Unassigned", 1, 0, 1)]
    staff = by["assignee"][1]
    assert staff.key == world.a.staff.id and staff.figures.resolution_time.count == 3  # T1, T2, T7
    assert staff.figures.first_response.compliance == 50.0 and staff.figures.waiting.total_minutes == 120


def test_percentile_interpolates():
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9) == pytest.approx(91)


@pytest.mark.parametrize("start, end", [(date(2026, 3, 2), date(2026, 3, 1)), (date(2020, 1, 1), date(2026, 1, 1)), (date(1, 1, 1), date(1, 1, 2))])
def test_invalid_ranges_are_refused(start, end):
    with pytest.raises(InvalidRange):
        queries.check_range(start, end)


def test_default_range_is_four_full_weeks_and_this_week():
    assert queries.default_range(date(2026, 3, 19)) == (date(2026, 2, 16), date(2026, 3, 22))
    assert queries.fill_range(date(2026, 3, 2), None, date(2026, 3, 19)) == (date(2026, 3, 2), date(2026, 3, 22))
    assert queries.fill_range(None, date(2025, 1, 31), date(2026, 3, 19)) == (date(2024, 12, 28), date(2025, 1, 31))


# --- pages and CSV ---------------------------------------------------------------------------------


def test_overview_page(app, world, as_user):
    ids = build(app, world)
    response = as_user(world.a.agency_admin).get(f"/sla/reports?{RANGE}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="resolution-compliance">50.0%' in body and 'id="breach-count">3' in body
    assert "<svg" in body and "2026-W11" in body
    for path in (
        f"/sla/reports/clients/{world.a.client_id}",
        f"/sla/reports/queues/{ids.queue2}",
        f"/sla/reports/services/{ids.line2}",
        f"/sla/reports/staff/{world.a.staff.id}",
    ):
        assert f"{path}?from=2026-03-02&amp;to=2026-03-22" in body
    assert 'href="/sla/reports"' in body  # the navigation link


@pytest.mark.parametrize("path", ["clients/{client}", "queues/{queue}", "services/{line}", "staff/{staff}"])
def test_detail_pages_and_their_csv(app, world, as_user, path):
    ids = build(app, world)
    url = "/sla/reports/" + path.format(client=world.a.client_id, queue=ids.queue2, line=ids.line2, staff=world.a.staff.id)
    admin = as_user(world.a.agency_admin)
    assert admin.get(f"{url}?{RANGE}").status_code == 200
    response = admin.get(f"{url}/report.csv?{RANGE}")
    assert response.status_code == 200 and response.mimetype == "text/csv"


def test_staff_detail_page_shows_the_persons_figures(app, world, as_user):
    build(app, world)
    body = as_user(world.a.agency_admin).get(f"/sla/reports/staff/{world.a.idle_staff.id}?{RANGE}").get_data(as_text=True)
    assert 'id="resolution-compliance">100.0%' in body and "T2 late" not in body


def test_csv_weekly_figures_and_breaches(app, world, as_user):
    build(app, world)
    response = as_user(world.a.agency_admin).get(f"/sla/reports.csv?{RANGE}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["week", "week_start", "week_end", "due", "met", "breached", "pending", "compliance_percent"]
    assert rows[1:5] == [
        ["2026-W10", "2026-03-02", "2026-03-08", "2", "1", "1", "0", "50.0"],
        ["2026-W11", "2026-03-09", "2026-03-15", "0", "0", "0", "0", ""],
        ["2026-W12", "2026-03-16", "2026-03-22", "3", "1", "1", "1", "50.0"],
        ["total", "2026-03-02", "2026-03-22", "5", "2", "2", "1", "50.0"],
    ]
    assert rows[5] == []
    assert rows[6] == ["breached_at", "metric", "reference", "title", "client", "queue", "assignee", "due_at"]
    assert [r[1] for r in rows[7:]] == ["resolution", "resolution", "first_response"]
    assert rows[7][3] == '\'=HYPERLINK("x")' and rows[7][6] == ""  # formula-safe, unassigned
    assert rows[9][0] == "2026-03-02T13:00:00+00:00" and rows[9][2:7] == [rows[9][2], "T2 late", "A Client One", "Bookkeeping queue", "A Staff"]


def test_staff_pages_are_limited_to_their_reach(app, world, as_user):
    build(app, world)
    staff = as_user(world.a.staff)
    body = staff.get(f"/sla/reports?{RANGE}").get_data(as_text=True)
    assert 'id="resolution-compliance">50.0%' in body and 'id="breach-count">2' in body
    assert "Payroll queue" not in body and "A Client Two" not in body
    rows = list(csv.reader(io.StringIO(staff.get(f"/sla/reports.csv?{RANGE}").get_data(as_text=True))))
    assert rows[4] == ["total", "2026-03-02", "2026-03-22", "3", "1", "1", "1", "50.0"]


def test_longest_range_draws_every_week(app, world, as_user):
    build(app, world)
    body = as_user(world.a.agency_admin).get("/sla/reports?from=2024-03-25&to=2026-03-24").get_data(as_text=True)
    assert body.count('<g class="trend-week">') == 105 and "2024-W13" in body and "2026-W13" in body
    assert "Showing the default range" not in body


def test_empty_state(app, world, as_user):
    build(app, world)
    body = as_user(world.a.agency_admin).get("/sla/reports?from=2025-01-06&to=2025-01-12").get_data(as_text=True)
    assert "No SLA data in this range" in body and "<svg viewBox" not in body


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2026-13-01", "is not a date"),
        ("from=yesterday&to=2026-03-01", "is not a date"),
        ("from=2026-03-22&to=2026-03-02", "before the start date"),
        ("from=2020-01-01&to=2026-01-01", "at most 731 days"),
        ("from=0001-01-01&to=0001-01-02", "Dates must fall between"),
        ("to=0001-01-05", "Dates must fall between"),
    ],
)
def test_bad_dates_show_a_message_and_the_default_range(app, world, as_user, query, message):
    response = as_user(world.a.agency_admin).get(f"/sla/reports?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert message in body and "Showing the default range instead." in body
    start, _ = queries.default_range()
    assert f'value="{start.isoformat()}"' in body


@pytest.mark.parametrize("role", ["client_admin", "client_member"])
def test_client_users_are_refused(app, world, as_user, role):
    client = as_user(getattr(world.a, role))
    for url in ("/sla/reports", "/sla/reports.csv", f"/sla/reports/clients/{world.a.client_id}", "/api/v1/sla/report"):
        assert client.get(url).status_code in (403, 404), url


def test_other_agencys_ids_answer_404(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    for url in (
        f"/sla/reports/clients/{world.b.client_id}",
        f"/sla/reports/queues/{world.b.queue_id}",
        f"/sla/reports/services/{world.b.service_line_id}",
        f"/sla/reports/staff/{world.b.staff.id}",
        f"/sla/reports/clients/{world.b.client_id}/report.csv",
        f"/sla/reports/staff/{world.a.client_admin.id}",
    ):
        assert admin.get(url).status_code == 404, url


# --- API -------------------------------------------------------------------------------------------


def test_api_report(app, world, as_user):
    ids = build(app, world)
    response = as_user(world.a.agency_admin).get(f"/api/v1/sla/report?{RANGE}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["from"], body["to"]) == ("2026-03-02", "2026-03-22")
    assert body["resolution"] == {"due": 5, "met": 2, "breached": 2, "pending": 1, "compliance": 50.0}
    assert body["first_response"] == {"due": 2, "met": 1, "breached": 1, "pending": 0, "compliance": 50.0}
    assert body["response_time"] == {"count": 2, "median_hours": 3.0, "p90_hours": 4.6}
    assert body["resolution_time"] == {"count": 4, "median_hours": 6.0, "p90_hours": 9.4}
    assert body["waiting"] == {"tasks": 5, "total_minutes": 180, "average_minutes": 36.0}
    assert [(w["week"], w["due"], w["compliance"]) for w in body["weeks"]] == [("2026-W10", 2, 50.0), ("2026-W11", 0, None), ("2026-W12", 3, 50.0)]
    assert body["breach_count"] == 3 and [b["task_id"] for b in body["breaches"]] == [str(ids.t9), str(ids.t2), str(ids.t2)]
    assert body["breaches"][1]["due_at"].startswith("2026-03-04T10:00:00")


def test_api_scope_and_staff_reach(app, world, as_user):
    ids = build(app, world)
    admin = as_user(world.a.agency_admin)
    body = admin.get(f"/api/v1/sla/report?{RANGE}&queue_id={ids.queue2}").get_json()
    assert body["resolution"]["due"] == 1 and body["scope"]["queue_id"] == str(ids.queue2)
    body = admin.get(f"/api/v1/sla/report?{RANGE}&assignee_id={world.a.idle_staff.id}&client_id={world.a.other_client_id}").get_json()
    assert body["resolution"] == {"due": 1, "met": 1, "breached": 0, "pending": 0, "compliance": 100.0}
    body = as_user(world.a.staff).get(f"/api/v1/sla/report?{RANGE}").get_json()
    assert body["resolution"]["due"] == 3 and body["breach_count"] == 2


def test_api_refusals(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    assert_error(admin.get(f"/api/v1/sla/report?{RANGE}&client_id={world.b.client_id}"), 404, "not_found")
    assert_error(admin.get(f"/api/v1/sla/report?{RANGE}&assignee_id={world.a.client_admin.id}"), 404, "not_found")
    error = assert_error(admin.get("/api/v1/sla/report?from=2026-03-22&to=2026-03-02"), 422)
    assert "to" in error["fields"]
    assert_error(admin.get("/api/v1/sla/report?from=2020-01-01&to=2026-01-01"), 422)
    assert_error(admin.get("/api/v1/sla/report?from=not-a-date"), 422)
    assert_error(as_user(world.a.client_admin).get("/api/v1/sla/report"), 403)


def test_api_default_range(app, world, as_user):
    body = as_user(world.a.agency_admin).get("/api/v1/sla/report").get_json()
    start, end = queries.default_range()
    assert (body["from"], body["to"]) == (start.isoformat(), end.isoformat()) and len(body["weeks"]) == 5


def test_at_risk_events_and_tasks_without_sla_are_not_reported(app, world):
    """The world has tasks without SLA and at-risk events dated now: nothing to report, no breach."""
    with tenant_db(app, world.a.agency_id):
        r = queries.sla_report(None, *queries.default_range())
    assert not r.has_data and r.breach_count == 0 and len(r.weeks) == 5


# --- the agency's days -----------------------------------------------------------------------------


def test_weeks_and_the_range_are_the_agencys_days_across_daylight_saving(app, world):
    """In New York (clocks forward on 8 March 2026), late Sunday evening is Monday in UTC: it stays in the earlier week."""
    from tenants.models import Agency

    with tenant_db(app, world.a.agency_id) as session:
        session.scalar(select(Agency).where(Agency.id == world.a.agency_id)).timezone = "America/New_York"
        version_id = session.scalar(select(SlaPolicyVersion.id))

        def task(title, due):
            f.TaskFactory(
                agency_id=world.a.agency_id,
                client_id=world.a.client_id,
                queue_id=world.a.queue_id,
                task_type_id=world.a.task_type_id,
                title=title,
                sla_policy_version_id=version_id,
                status="in_progress",
                resolution_due_at=due,
            )

        task("Sunday night, week 10", datetime(2026, 3, 9, 3, 0, tzinfo=UTC))  # 23:00 EDT on Sunday 8 March
        task("Monday morning, week 11", datetime(2026, 3, 9, 5, 0, tzinfo=UTC))  # 01:00 EDT on Monday 9 March
        task("Last evening of the range", datetime(2026, 3, 23, 2, 0, tzinfo=UTC))  # 22:00 EDT on Sunday 22 March
        task("Before the range", datetime(2026, 3, 2, 4, 0, tzinfo=UTC))  # 23:00 EST on Sunday 1 March
    result = report(app, world)
    assert [week.resolution.due for week in result.weeks] == [1, 1, 1]
    assert result.figures.resolution.due == 3

    with tenant_db(app, world.a.agency_id) as session:
        session.scalar(select(Agency).where(Agency.id == world.a.agency_id)).timezone = "UTC"
    in_utc = report(app, world)
    assert [week.resolution.due for week in in_utc.weeks] == [1, 2, 0]  # what counting in UTC made of the same tasks
