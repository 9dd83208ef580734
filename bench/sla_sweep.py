"""SLA sweep speed on PostgreSQL: seed one agency (1,000,000 tasks, 10% open, as bench/queues.py does), give every
open task SLA instants spread around now, and time `app.sla.sweep.record_crossings` as the worker runs it (application
role, row-level security on, the agency's job context, one commit): the first catch-up run, steady-state runs with
nothing new to record, and a run one minute later with a handful of new crossings. Checks no candidate plan scans
the tasks table sequentially.

    .venv/bin/python bench/sla_sweep.py                # scratch database on 127.0.0.1 as user postgres, dropped after
    .venv/bin/python bench/sla_sweep.py --tasks 100000 --repeat 50
    DATABASE_URL=postgresql://app@host/db MIGRATION_DATABASE_URL=postgresql://owner@host/db .venv/bin/python bench/sla_sweep.py

Options: --tasks N (default 1000000), --repeat N (default 20), --host, --keep (keep the scratch database).
BENCH_PLANS=1 prints every candidate plan; when the steady-state target is missed the plans are printed with
EXPLAIN (ANALYZE, BUFFERS).

The clocks (one set-based UPDATE as the owner, deterministic per task number, relative to the sweep's `now`):
resolution due between 2 hours ago and 5 days ahead; the clock started at the later of created_at and due minus a
target of 1 to 10 days (the seeded open tasks were created up to two years ago, so a clock from created_at alone
would put almost every warning in the past), at risk 75% of the way from that start. About 30% of the open tasks
also have a first-response clock (target 1 to 8 hours, due between 2 hours ago and 24 hours ahead, at risk at 75%),
half of them already answered at some instant before their due. Notifications are written (the sweep's own work);
the email jobs they queue are counted and discarded before the commit, so no mail is sent.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.queues import drop_database, percentiles, plain, seed_catalog, seed_tasks, use_database  # noqa: E402

TARGET_STEADY_MS = 100.0  # p95 of a steady-state sweep, per agency with 100k open tasks


# --- the tasks and their clocks --------------------------------------------------------------------------------

def _u(k: int) -> str:
    """A uniform number in [0, 1) fixed by the task number (so reruns seed the same clocks)."""
    return f"((hashint4extended(number, {k}) & 2147483647)::float8 / 2147483648.0)"


CLOCKS_SQL = f"""
UPDATE tasks t SET
  resolution_due_at = s.due, resolution_at_risk_at = s.start + 0.75 * (s.due - s.start),
  first_response_due_at = s.fr_due, first_response_at_risk_at = s.fr_start + 0.75 * (s.fr_due - s.fr_start),
  first_responded_at = CASE WHEN s.fr_due IS NOT NULL AND s.u_answered < 0.5
                            THEN least(%(now)s, s.fr_start + s.u_when * (s.fr_due - s.fr_start)) END
FROM (
  SELECT id, due, greatest(created_at, due - target) AS start, fr_due, greatest(created_at, fr_due - fr_target) AS fr_start,
         u_answered, u_when
  FROM (
    SELECT id, created_at,
           %(now)s + (-120 + {_u(1)} * (5 * 1440 + 120)) * interval '1 minute' AS due,
           (1440 + {_u(2)} * 9 * 1440) * interval '1 minute' AS target,
           CASE WHEN {_u(3)} < 0.3 THEN %(now)s + (-120 + {_u(4)} * (24 * 60 + 120)) * interval '1 minute' END AS fr_due,
           (60 + {_u(5)} * 7 * 60) * interval '1 minute' AS fr_target,
           {_u(6)} AS u_answered, {_u(7)} AS u_when
    FROM tasks WHERE agency_id = %(agency)s AND closed_at IS NULL
  ) AS a
) AS s
WHERE t.agency_id = %(agency)s AND t.id = s.id
"""

# The clocks as app.sla.sweep.CLOCKS: (metric, kind, instant, stop).
CLOCKS = [("first_response", "at_risk", "first_response_at_risk_at", "first_responded_at"),
          ("first_response", "breached", "first_response_due_at", "first_responded_at"),
          ("resolution", "at_risk", "resolution_at_risk_at", "sla_paused_since"),
          ("resolution", "breached", "resolution_due_at", "sla_paused_since")]


def seed_clocks(owner_url: str, agency, now) -> tuple[int, float]:
    started = time.perf_counter()
    with psycopg.connect(plain(owner_url)) as conn:
        conn.execute("SET synchronous_commit = off")
        updated = conn.execute(CLOCKS_SQL, {"agency": agency, "now": now}).rowcount
        conn.commit()
    with psycopg.connect(plain(owner_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE tasks")
    return updated, time.perf_counter() - started


def crossed_by(owner_url: str, agency, now) -> dict:
    """What the sweep should record by `now`, counted straight from the instants (as the owner)."""
    counts = {}
    with psycopg.connect(plain(owner_url)) as conn:
        for metric, kind, instant, stop in CLOCKS:
            counts[f"{metric}.{kind}"] = conn.execute(
                f"SELECT count(*) FROM tasks WHERE agency_id = %s AND {instant} <= %s AND ({stop} IS NULL OR {instant} < {stop})",
                (agency, now)).fetchone()[0]
    return counts


def clock_census(owner_url: str, agency) -> dict:
    with psycopg.connect(plain(owner_url)) as conn:
        return dict(zip(("open", "resolution", "first_response", "answered"), conn.execute(
            "SELECT count(*), count(resolution_due_at), count(first_response_due_at), count(first_responded_at) "
            "FROM tasks WHERE agency_id = %s AND closed_at IS NULL", (agency,)).fetchone(), strict=True))


# --- running ---------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    scratch, app_url, owner_url = use_database(args.host)  # jobs held until commit (and discarded before it, below)
    os.environ.pop("MAIL_URL", None)
    try:
        return run(args, app_url, owner_url or app_url)
    finally:
        if scratch and not args.keep:
            drop_database(args.host, scratch)
            print(f"dropped scratch database {scratch}")


def run(args, app_url: str, owner_url: str) -> int:
    from flask_migrate import upgrade
    from sqlalchemy import event, func, select

    from app import create_app

    app = create_app({"TESTING": True})
    with app.app_context():
        upgrade()
    owner_app = create_app({"SQLALCHEMY_DATABASE_URI": app.config["MIGRATION_DATABASE_URL"]})
    started = time.perf_counter()
    ids = seed_catalog(owner_app)
    seconds = seed_tasks(owner_url, ids, args.tasks)
    print(f"seeded 200 clients and {args.tasks:,} tasks in {time.perf_counter() - started:.1f} s (tasks {seconds:.1f} s)")

    from app.core import jobs
    from app.core.types import utcnow
    from app.extensions import db
    from app.notifications.models import Notification
    from app.sla.models import SlaEvent
    from app.sla.sweep import record_crossings
    from tenants.context import TenantContext, tenant_scope
    from worker.runtime import tenant_job

    agency = ids["agency"]
    now = utcnow().replace(microsecond=0)
    updated, seconds = seed_clocks(owner_url, agency, now)
    census = clock_census(owner_url, agency)
    expected = crossed_by(owner_url, agency, now)
    print(f"clocks on {updated:,} open tasks in {seconds:.1f} s: {census['resolution']:,} resolution, "
          f"{census['first_response']:,} first response ({census['answered']:,} answered); crossed by now: "
          + ", ".join(f"{k} {v:,}" for k, v in expected.items()))

    emails: list[int] = []

    def sweep_at(at):
        """A unit of work as worker.jobs.sla.sweep_sla (tenant_job: agency lookup, job context, one commit), at `at`."""
        def body():
            counts = record_crossings(now=at)
            emails.append(len(jobs.pending_jobs()))
            jobs.discard_pending()  # the notification emails: counted, not sent
            return counts
        body.__name__ = "sweep_sla"
        return tenant_job(body)(str(agency))

    def timed_sweep(at) -> tuple[dict, float]:
        begun = time.perf_counter()
        counts = sweep_at(at)
        return counts, (time.perf_counter() - begun) * 1000

    failures: list[str] = []
    with app.app_context():
        # (1) catch-up: every crossing of the seeded history, recorded, announced and notified in one run
        catch_counts, catch_ms = timed_sweep(now)
        catch_emails = emails[-1]
        with tenant_scope(TenantContext(agency_id=agency, role="job")):
            events = db.session.scalar(select(func.count()).select_from(SlaEvent))
            notes = db.session.scalar(select(func.count()).select_from(Notification))
            db.session.rollback()
        catch_total = sum(catch_counts.values())
        if catch_counts != expected:
            failures.append(f"catch-up recorded {catch_counts}, expected {expected}")
        if events != catch_total:
            failures.append(f"catch-up reported {catch_total} events, {events} stored")

        # (2) steady state: the same instant again, nothing new to record (statistics fresh, as autovacuum leaves them
        # a minute after the catch-up's inserts, so the timings do not depend on when it happens to run)
        with psycopg.connect(plain(owner_url), autocommit=True) as conn:
            conn.execute("ANALYZE sla_events")
            conn.execute("ANALYZE tasks")
        captured: list[tuple[str, object]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if "sla_events" in statement and statement.lstrip().upper().startswith("SELECT"):
                captured.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", capture)
        first, _ = timed_sweep(now)
        event.remove(db.engine, "before_cursor_execute", capture)
        if first:
            failures.append(f"a rerun at the same instant recorded {first}")
        for _ in range(2):  # warm-up
            timed_sweep(now)
        steady = []
        for _ in range(args.repeat):
            counts, ms = timed_sweep(now)
            steady.append(ms)
            if counts:
                failures.append(f"a steady-state run recorded {counts}")
        s50, s95 = percentiles(steady)

        # (3) one minute later: a handful of new crossings
        later = now + timedelta(minutes=1)
        step_expected = {k: v - expected[k] for k, v in crossed_by(owner_url, agency, later).items()}
        step_counts, step_ms = timed_sweep(later)
        step_emails = emails[-1]
        if step_counts != (step_expected if any(step_expected.values()) else {}):
            failures.append(f"one minute later recorded {step_counts}, expected {step_expected}")
        after_step, after_ms = timed_sweep(later)
        if after_step:
            failures.append(f"a rerun one minute later recorded {after_step}")

    # the candidate queries, as the application role sent them, explained as that role under RLS
    names = [f"{metric}.{kind}" for metric, kind, _, _ in CLOCKS]
    if len(captured) != len(CLOCKS):
        failures.append(f"expected {len(CLOCKS)} candidate queries, captured {len(captured)}")
    sqls = dict(zip(names, captured, strict=False))
    plans, seq, analysed = {}, [], {}
    with psycopg.connect(plain(app_url)) as raw:
        def explain(sql: str, params, options: str = "") -> str:
            with raw.cursor() as cur:
                cur.execute("SELECT set_config('app.agency_id', %s, true), set_config('app.client_id', '', true)", (str(agency),))
                cur.execute(f"EXPLAIN {options}" + sql, params)
                plan = "\n".join(r[0] for r in cur.fetchall())
            raw.rollback()
            return plan

        for name, (sql, params) in sqls.items():
            plans[name] = explain(sql, params)
            if "Seq Scan on tasks" in plans[name]:
                seq.append(name)
        missed = s95 > TARGET_STEADY_MS
        if missed or os.environ.get("BENCH_PLANS"):
            analysed = {name: explain(sql, params, "(ANALYZE, BUFFERS) ") for name, (sql, params) in sqls.items()}

    breach = "resolution.breached"
    sql = sqls[breach][0].strip() if breach in sqls else ""
    print(f"\n--- steady-state candidate query for {breach} (EXPLAIN, application role, RLS on)\n{sql}\n")
    print(plans.get(breach, "(not captured)"))
    if os.environ.get("BENCH_PLANS"):
        for name, plan in plans.items():
            if name != breach:
                print(f"\n--- {name}\n{plan}")
    for name, plan in analysed.items():
        print(f"\n--- {name}: EXPLAIN (ANALYZE, BUFFERS)\n{plan}")

    open_tasks = census["open"]
    rows = [
        ("catch-up run: events recorded", f"{catch_total:,}", ""),
        ("catch-up run: seconds", f"{catch_ms / 1000:.1f}", ""),
        ("catch-up run: notifications written / emails queued (discarded)", f"{notes:,} / {catch_emails:,}", ""),
        (f"steady state, nothing new: p50 ms ({args.repeat} runs)", f"{s50:.1f}", ""),
        (f"steady state, nothing new: p95 ms ({args.repeat} runs)", f"{s95:.1f}",
         f"< {TARGET_STEADY_MS:.0f}  {'ok' if s95 < TARGET_STEADY_MS else 'MISSED'}"),
        ("now + 1 minute: events recorded", f"{sum(step_counts.values()):,}", ", ".join(f"{k} {v}" for k, v in step_counts.items())),
        ("now + 1 minute: ms", f"{step_ms:.1f}", f"{step_emails} emails queued (discarded)"),
        ("now + 1 minute, rerun: ms", f"{after_ms:.1f}", ""),
        ("candidate plans with a sequential scan on tasks", f"{len(seq)} of {len(plans)}", ", ".join(seq) or "none  ok"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{args.tasks:,} tasks ({open_tasks:,} open), one agency; sweep as the application role in the job context, "
          f"commit included (target: steady-state p95 < {TARGET_STEADY_MS:.0f} ms per agency with 100k open tasks)")
    print("catch-up by clock: " + ", ".join(f"{k} {v:,}" for k, v in catch_counts.items()))
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>16}  {note}")
    if seq:
        failures.append("sequential scan on tasks in: " + ", ".join(seq))
    if s95 >= TARGET_STEADY_MS:
        failures.append(f"steady-state p95 {s95:.1f} ms (target < {TARGET_STEADY_MS:.0f} ms)")
    print()
    for failure in failures:
        print("MISSED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
