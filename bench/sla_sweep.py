"""SLA sweep speed on PostgreSQL: seed one agency (1,000,000 tasks, 10% open, as bench/queues.py does), give every
open task SLA instants spread around now, and time `app.sla.sweep.record_crossings` as the worker runs it (application
role, row-level security on, the agency's job context, one commit): the first catch-up run, steady-state runs with
nothing new to record, and a run one minute later with a handful of new crossings. Checks no candidate plan scans
the tasks table sequentially.

    .venv/bin/python bench/sla_sweep.py                # scratch database on 127.0.0.1 as user postgres, dropped after
    .venv/bin/python bench/sla_sweep.py --tasks 100000 --repeat 50
    DATABASE_URL=postgresql://app@host/db MIGRATION_DATABASE_URL=postgresql://owner@host/db .venv/bin/python bench/sla_sweep.py

Options: --tasks N (default 1000000), --repeat N (default 20), --host, --keep (keep the scratch database),
--reuse (with DATABASE_URL: sweep the agency a kept database holds, after removing an earlier run's events, timeline
entries, notifications and markers; the clocks are seeded again relative to now).
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
TARGET_CATCH_UP_S = 10.0  # the first run after the seeded history: every missed crossing recorded and announced


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
CLOCKS = [
    ("first_response", "at_risk", "first_response_at_risk_at", "first_responded_at"),
    ("first_response", "breached", "first_response_due_at", "first_responded_at"),
    ("resolution", "at_risk", "resolution_at_risk_at", "sla_paused_since"),
    ("resolution", "breached", "resolution_due_at", "sla_paused_since"),
]


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
                f"SELECT count(*) FROM tasks WHERE agency_id = %s AND {instant} <= %s AND ({stop} IS NULL OR {instant} < {stop})", (agency, now)
            ).fetchone()[0]
    return counts


def clock_census(owner_url: str, agency) -> dict:
    with psycopg.connect(plain(owner_url)) as conn:
        return dict(
            zip(
                ("open", "resolution", "first_response", "answered"),
                conn.execute(
                    "SELECT count(*), count(resolution_due_at), count(first_response_due_at), count(first_responded_at) "
                    "FROM tasks WHERE agency_id = %s AND closed_at IS NULL",
                    (agency,),
                ).fetchone(),
                strict=True,
            )
        )


# --- running ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="sweep the agency a kept database already holds (no seeding)")
    args = parser.parse_args()

    scratch, app_url, owner_url = use_database(args.host)  # jobs held until commit (and discarded before it, below)
    os.environ.pop("MAIL_URL", None)
    try:
        return run(args, app_url, owner_url or app_url)
    finally:
        if scratch and not args.keep:
            drop_database(args.host, scratch)
            print(f"dropped scratch database {scratch}")


RESET_SQL = [  # the sweep's own output, so a kept database can be swept again from the same seeded history
    "DELETE FROM notifications WHERE agency_id = %(agency)s AND kind LIKE 'sla_%%'",
    "DELETE FROM task_activity WHERE agency_id = %(agency)s AND kind LIKE 'sla_%%'",
    "DELETE FROM sla_events WHERE agency_id = %(agency)s",
    "UPDATE tasks SET first_response_warned_at = NULL, first_response_breached_at = NULL, resolution_warned_at = NULL, "
    "resolution_breached_at = NULL WHERE agency_id = %(agency)s AND closed_at IS NULL",
]


def prepare(args, app, owner_url: str):
    """The agency to sweep: seeded afresh, or (--reuse, a kept database) the seeded one with the sweep's output removed."""
    if args.reuse:
        with psycopg.connect(plain(owner_url)) as conn:
            agency = conn.execute("SELECT agency_id FROM tasks GROUP BY agency_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
            for statement in RESET_SQL:
                conn.execute(statement, {"agency": agency})
            conn.commit()
        print(f"reusing the seeded agency {agency}: earlier sweep output removed")
        return agency
    owner_app = create_app_for(app.config["MIGRATION_DATABASE_URL"])
    started = time.perf_counter()
    ids = seed_catalog(owner_app)
    seconds = seed_tasks(owner_url, ids, args.tasks)
    print(f"seeded 200 clients and {args.tasks:,} tasks in {time.perf_counter() - started:.1f} s (tasks {seconds:.1f} s)")
    return ids["agency"]


def create_app_for(url: str | None = None):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url} if url else {"TESTING": True})


class Sweeper:
    """Runs the sweep as worker.jobs.sla.sweep_sla does (tenant_job: agency lookup, job context, one commit) and times it."""

    def __init__(self, agency):
        self.agency, self.emails = agency, []

    def __call__(self, at) -> tuple[dict, float]:
        from app.core import jobs
        from app.sla.sweep import record_crossings
        from worker.runtime import tenant_job

        def body():
            counts = record_crossings(now=at)
            self.emails.append(len(jobs.pending_jobs()))
            jobs.discard_pending()  # the notification emails: counted, not sent
            return counts

        body.__name__ = "sweep_sla"
        begun = time.perf_counter()
        counts = tenant_job(body)(str(self.agency))
        return counts, (time.perf_counter() - begun) * 1000


def catch_up(sweep: Sweeper, now, expected: dict, failures: list) -> dict:
    """(1) every crossing of the seeded history, recorded, announced and notified in one run."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.notifications.models import Notification
    from app.sla.models import SlaEvent
    from tenants.context import TenantContext, tenant_scope

    counts, ms = sweep(now)
    with tenant_scope(TenantContext(agency_id=sweep.agency, role="job")):
        events = db.session.scalar(select(func.count()).select_from(SlaEvent))
        notes = db.session.scalar(select(func.count()).select_from(Notification))
        db.session.rollback()
    total = sum(counts.values())
    if counts != expected:
        failures.append(f"catch-up recorded {counts}, expected {expected}")
    if events != total:
        failures.append(f"catch-up reported {total} events, {events} stored")
    if ms > TARGET_CATCH_UP_S * 1000:
        failures.append(f"catch-up took {ms / 1000:.1f} s (target {TARGET_CATCH_UP_S:.0f} s)")
    return {"counts": counts, "ms": ms, "total": total, "notes": notes, "emails": sweep.emails[-1]}


def steady(sweep: Sweeper, now, owner_url: str, repeat: int, failures: list) -> dict:
    """(2) the same instant again, nothing new to record; captures the candidate queries of the first run."""
    from sqlalchemy import event

    from app.extensions import db

    # statistics fresh, as autovacuum leaves them a minute after the catch-up's inserts
    with psycopg.connect(plain(owner_url), autocommit=True) as conn:
        conn.execute("ANALYZE sla_events")
        conn.execute("ANALYZE tasks")
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "sla_events" in statement and statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    first, _ = sweep(now)
    event.remove(db.engine, "before_cursor_execute", capture)
    if first:
        failures.append(f"a rerun at the same instant recorded {first}")
    for _ in range(2):  # warm-up
        sweep(now)
    samples = []
    for _ in range(repeat):
        counts, ms = sweep(now)
        samples.append(ms)
        if counts:
            failures.append(f"a steady-state run recorded {counts}")
    s50, s95 = percentiles(samples)
    return {"captured": captured, "p50": s50, "p95": s95}


def one_minute_later(sweep: Sweeper, now, owner_url: str, expected: dict, failures: list) -> dict:
    """(3) a handful of new crossings, then a rerun that records nothing."""
    later = now + timedelta(minutes=1)
    step_expected = {k: v - expected[k] for k, v in crossed_by(owner_url, sweep.agency, later).items()}
    counts, ms = sweep(later)
    emails = sweep.emails[-1]
    if counts != (step_expected if any(step_expected.values()) else {}):
        failures.append(f"one minute later recorded {counts}, expected {step_expected}")
    again, again_ms = sweep(later)
    if again:
        failures.append(f"a rerun one minute later recorded {again}")
    return {"counts": counts, "ms": ms, "emails": emails, "rerun_ms": again_ms}


def explain_candidates(app_url: str, agency, captured: list, analyse: bool, failures: list) -> dict:
    """The candidate queries, as the application role sent them, explained as that role under RLS."""
    names = [f"{metric}.{kind}" for metric, kind, _, _ in CLOCKS]
    if len(captured) != len(CLOCKS):
        failures.append(f"expected {len(CLOCKS)} candidate queries, captured {len(captured)}")
    sqls = dict(zip(names, captured, strict=False))
    plans, analysed = {}, {}
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
        if analyse:
            analysed = {name: explain(sql, params, "(ANALYZE, BUFFERS) ") for name, (sql, params) in sqls.items()}
    seq = [name for name, plan in plans.items() if "Seq Scan on tasks" in plan]
    if seq:
        failures.append("sequential scan on tasks in: " + ", ".join(seq))
    return {"sqls": sqls, "plans": plans, "analysed": analysed, "seq": seq}


def print_plans(explained: dict) -> None:
    breach = "resolution.breached"
    sql = explained["sqls"][breach][0].strip() if breach in explained["sqls"] else ""
    print(f"\n--- steady-state candidate query for {breach} (EXPLAIN, application role, RLS on)\n{sql}\n")
    print(explained["plans"].get(breach, "(not captured)"))
    if os.environ.get("BENCH_PLANS"):
        for name, plan in explained["plans"].items():
            if name != breach:
                print(f"\n--- {name}\n{plan}")
    for name, plan in explained["analysed"].items():
        print(f"\n--- {name}: EXPLAIN (ANALYZE, BUFFERS)\n{plan}")


def print_summary(args, census: dict, caught: dict, still: dict, step: dict, explained: dict) -> None:
    seq, plans = explained["seq"], explained["plans"]
    catch_s = caught["ms"] / 1000
    rows = [
        ("catch-up run: events recorded", f"{caught['total']:,}", ""),
        ("catch-up run: seconds", f"{catch_s:.1f}", f"< {TARGET_CATCH_UP_S:.0f}  {'ok' if catch_s < TARGET_CATCH_UP_S else 'MISSED'}"),
        ("catch-up run: notifications written / emails queued (discarded)", f"{caught['notes']:,} / {caught['emails']:,}", ""),
        (f"steady state, nothing new: p50 ms ({args.repeat} runs)", f"{still['p50']:.1f}", ""),
        (
            f"steady state, nothing new: p95 ms ({args.repeat} runs)",
            f"{still['p95']:.1f}",
            f"< {TARGET_STEADY_MS:.0f}  {'ok' if still['p95'] < TARGET_STEADY_MS else 'MISSED'}",
        ),
        ("now + 1 minute: events recorded", f"{sum(step['counts'].values()):,}", ", ".join(f"{k} {v}" for k, v in step["counts"].items())),
        ("now + 1 minute: ms", f"{step['ms']:.1f}", f"{step['emails']} emails queued (discarded)"),
        ("now + 1 minute, rerun: ms", f"{step['rerun_ms']:.1f}", ""),
        ("candidate plans with a sequential scan on tasks", f"{len(seq)} of {len(plans)}", ", ".join(seq) or "none  ok"),
    ]
    width = max(len(r[0]) for r in rows)
    print(
        f"\n{census['open']:,} open tasks, one agency; sweep as the application role in the job context, commit included "
        f"(targets: catch-up < {TARGET_CATCH_UP_S:.0f} s; steady-state p95 < {TARGET_STEADY_MS:.0f} ms per agency with 100k open tasks)"
    )
    print("catch-up by clock: " + ", ".join(f"{k} {v:,}" for k, v in caught["counts"].items()))
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>16}  {note}")


def run(args, app_url: str, owner_url: str) -> int:
    from flask_migrate import upgrade

    from app.core.types import utcnow

    app = create_app_for()
    with app.app_context():
        upgrade()
    agency = prepare(args, app, owner_url)
    now = utcnow().replace(microsecond=0)
    updated, seconds = seed_clocks(owner_url, agency, now)
    census = clock_census(owner_url, agency)
    expected = crossed_by(owner_url, agency, now)
    print(
        f"clocks on {updated:,} open tasks in {seconds:.1f} s: {census['resolution']:,} resolution, "
        f"{census['first_response']:,} first response ({census['answered']:,} answered); crossed by now: "
        + ", ".join(f"{k} {v:,}" for k, v in expected.items())
    )
    failures: list[str] = []
    sweep = Sweeper(agency)
    with app.app_context():
        caught = catch_up(sweep, now, expected, failures)
        still = steady(sweep, now, owner_url, args.repeat, failures)
        step = one_minute_later(sweep, now, owner_url, expected, failures)
    missed = still["p95"] >= TARGET_STEADY_MS
    explained = explain_candidates(app_url, agency, still["captured"], missed or bool(os.environ.get("BENCH_PLANS")), failures)
    print_plans(explained)
    print_summary(args, census, caught, still, step, explained)
    if missed:
        failures.append(f"steady-state p95 {still['p95']:.1f} ms (target < {TARGET_STEADY_MS:.0f} ms)")
    print()
    for failure in failures:
        print("MISSED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
