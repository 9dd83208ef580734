"""SLA report speed on PostgreSQL: one agency with 1,000,000 tasks of SLA history, the agency report over a quarter
(headline, weekly trend, breaches, the four breakdowns: what /sla/reports computes) as the admin and as a staff member,
and one staff member's report, through the application's own query functions (application role, row-level security on).

    .venv/bin/python bench/sla_reports.py              # scratch database on 127.0.0.1 as user postgres, dropped after
    DATABASE_URL=postgresql://app@host/db MIGRATION_DATABASE_URL=postgresql://owner@host/db .venv/bin/python bench/sla_reports.py

Options: --tasks N (default 1000000; seeding only), --repeat N (default 5), --host, --keep (keep the scratch database).
On a database seeded by bench/queues.py or bench/sla_sweep.py (--keep) the tasks are reused: every closed task gets an
SLA history (due instants after creation, responses and resolutions, a share breached, waiting minutes) once.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.queues import drop_database, percentiles, plain, seed_catalog, seed_tasks, timed, use_database  # noqa: E402

TARGET_MS = 1000.0  # the agency report over a quarter


def _u(k: int) -> str:
    """A uniform number in [0, 1) fixed by the task number."""
    return f"((hashint4extended(number, {k}) & 2147483647)::float8 / 2147483648.0)"


POLICY_SQL = """
WITH cal AS (
  INSERT INTO sla_calendars (agency_id, id, name, timezone, hours, holidays, updated_at, created_at)
  VALUES (%(agency)s, gen_random_uuid(), 'Bench hours', 'Europe/London', '{}', '[]', now(), now()) RETURNING id
), pol AS (
  INSERT INTO sla_policies (agency_id, id, name, current_version, created_at)
  VALUES (%(agency)s, gen_random_uuid(), 'Bench policy', 1, now()) RETURNING id
)
INSERT INTO sla_policy_versions (agency_id, id, policy_id, version, calendar_id, targets, at_risk_percent, created_at)
SELECT %(agency)s, gen_random_uuid(), pol.id, 1, cal.id, '{}', 75, now() FROM cal, pol RETURNING id
"""

HISTORY_SQL = f"""
UPDATE tasks t SET
  sla_policy_version_id = %(version)s,
  first_response_due_at = s.fr_due, resolution_due_at = s.res_due,
  first_responded_at = s.responded, first_response_minutes = s.fr_minutes,
  first_response_breached_at = CASE WHEN s.responded > s.fr_due THEN s.fr_due END,
  resolved_at = t.closed_at, resolution_minutes = s.res_minutes,
  resolution_breached_at = CASE WHEN t.closed_at > s.res_due THEN s.res_due END,
  sla_waiting_minutes = s.waiting
FROM (
  SELECT id, created_at + (60 + {_u(11)} * 7 * 60) * interval '1 minute' AS fr_due,
         created_at + (1440 + {_u(12)} * 9 * 1440) * interval '1 minute' AS res_due,
         created_at + ({_u(13)} * 10 * 60) * interval '1 minute' AS responded,
         (({_u(13)} * 10 * 60) * 0.4)::int AS fr_minutes,
         (extract(epoch FROM closed_at - created_at) / 60 * 0.3)::int AS res_minutes,
         CASE WHEN {_u(14)} < 0.2 THEN ({_u(15)} * 600)::int ELSE 0 END AS waiting
  FROM tasks WHERE agency_id = %(agency)s AND closed_at IS NOT NULL AND closed_at > created_at
) AS s
WHERE t.agency_id = %(agency)s AND t.id = s.id
"""


def seed_history(owner_url: str, agency) -> tuple[int, float]:
    """SLA history on every closed task (once: a database that already has it is left as it is)."""
    started = time.perf_counter()
    with psycopg.connect(plain(owner_url)) as conn:
        if conn.execute("SELECT count(*) FROM sla_policy_versions WHERE agency_id = %s", (agency,)).fetchone()[0]:
            return 0, 0.0
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        version = conn.execute(POLICY_SQL, {"agency": agency}).fetchone()[0]
        updated = conn.execute(HISTORY_SQL, {"agency": agency, "version": version}).rowcount
        conn.commit()
    with psycopg.connect(plain(owner_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE tasks")
    return updated, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    scratch, app_url, owner_url = use_database(args.host)
    try:
        return run(args, owner_url or app_url, seed=scratch is not None)
    finally:
        if scratch and not args.keep:
            drop_database(args.host, scratch)
            print(f"dropped scratch database {scratch}")


def run(args, owner_url: str, *, seed: bool) -> int:
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"TESTING": True})
    with app.app_context():
        upgrade()
    if seed:
        owner_app = create_app({"SQLALCHEMY_DATABASE_URI": app.config["MIGRATION_DATABASE_URL"]})
        ids = seed_catalog(owner_app)
        seed_tasks(owner_url, ids, args.tasks)
    with psycopg.connect(plain(owner_url)) as conn:
        agency, admin_id = conn.execute("SELECT agency_id, id FROM users WHERE role = 'agency_admin' ORDER BY created_at LIMIT 1").fetchone()
        staff_id = conn.execute("SELECT id FROM users WHERE role = 'staff' AND agency_id = %s ORDER BY email LIMIT 1", (agency,)).fetchone()[0]
    updated, seconds = seed_history(owner_url, agency)
    if updated:
        print(f"SLA history on {updated:,} closed tasks in {seconds:.1f} s")
    return measure(app, args, agency, admin_id, staff_id)


def measure(app, args, agency, admin_id, staff_id) -> int:
    from app.accounts.models import User
    from app.core.types import utcnow
    from app.extensions import db
    from app.sla.queries import reports as queries
    from app.work.access import visible_tasks
    from tenants.context import TenantContext, set_tenant

    def as_user(user_id, role):
        set_tenant(TenantContext(agency_id=agency, user_id=user_id, role=role))
        user = db.session.scalar(db.select(User).where(User.id == user_id))
        db.session.expunge(user)
        db.session.rollback()
        return user

    today = utcnow().date()
    quarter_end = today.replace(day=1) - timedelta(days=1)  # the four full months before this one: more than a quarter
    quarter_start = (quarter_end.replace(day=1) - timedelta(days=62)).replace(day=1)
    rows, failed = [], False
    with app.app_context():
        admin, staff = as_user(admin_id, "agency_admin"), as_user(staff_id, "staff")

        def overview(actor, base):
            """What the overview page computes: the report (first page of breaches) and the four breakdowns."""
            set_tenant(TenantContext(agency_id=agency, user_id=actor.id, role=actor.role))
            report = queries.sla_report(None, quarter_start, quarter_end, base=base(actor), breach_limit=50)
            queries.breakdowns(queries.DIMENSIONS, quarter_start, quarter_end, base(actor))
            db.session.rollback()
            return report

        def person(actor):
            set_tenant(TenantContext(agency_id=agency, user_id=actor.id, role=actor.role))
            queries.sla_report(queries.ReportScope(assignee_id=staff_id), quarter_start, quarter_end, breach_limit=50)
            db.session.rollback()

        cases = [
            ("agency report, admin", lambda: overview(admin, lambda _: None), TARGET_MS),
            ("agency report, staff member's reach", lambda: overview(staff, visible_tasks), TARGET_MS),
            ("one staff member's report", lambda: person(admin), TARGET_MS),
        ]
        report = overview(admin, lambda _: None)
        print(
            f"range {quarter_start} to {quarter_end}: {report.figures.resolution.due:,} resolutions due, "
            f"{report.figures.resolution_time.count:,} resolved, {report.breach_count:,} breaches recorded"
        )
        for name, fn, target in cases:
            p50, p95 = percentiles(timed(fn, args.repeat, warmup=1))
            ok = p95 <= target
            failed |= not ok
            rows.append((name, p50, p95, target, "ok" if ok else "MISSED"))
    print(f"{'case':40} {'p50 ms':>9} {'p95 ms':>9} {'target':>8}")
    for name, p50, p95, target, verdict in rows:
        print(f"{name:40} {p50:9.1f} {p95:9.1f} {target:8.0f} {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
