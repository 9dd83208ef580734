"""Page speed on PostgreSQL: seed one agency at scale and time every page and API list people open daily, per role.

Seeds 200 clients, 1,000,000 tasks (10% open), 400,000 time entries, 1,000,000 audit events and one client with
5,000 open requests, as bench/queues.py does (as the owner role), then drives requests through the Flask test client
signed in as an agency admin, a staff member and a client user (the application role, row-level security on) and
prints server time p50/p95 and statements per request against the 100 ms target.

    .venv/bin/python bench/pages.py --tasks 100000           # scratch database on 127.0.0.1 as user postgres, dropped after
    .venv/bin/python bench/pages.py --keep                   # keep the scratch database (its URLs are printed)
    DATABASE_URL=postgresql://backline_app@host/db MIGRATION_DATABASE_URL=postgresql://backline_owner@host/db \\
        .venv/bin/python bench/pages.py                      # reuse a kept database (seeded already: no seeding)

Options: --tasks N (default 1000000), --repeat N (default 20), --keep, --only TEXT[,TEXT] (pages whose name contains one).
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.queues import (  # noqa: E402  (the path above makes the project importable)
    drop_database,
    percentiles,
    plain,
    seed_catalog,
    seed_tasks,
    use_database,
)

TARGET_MS = 100.0
PORTAL_OPEN = 5_000  # open requests of the portal's company

EXTRA_TASKS_SQL = """
INSERT INTO tasks (agency_id, id, client_id, number, reference, task_type_id, queue_id, assignee_id, title, description,
                   priority, priority_rank, status, due_at, custom_values, created_by_id, created_at, updated_at, closed_at,
                   sla_pauses, sla_waiting_minutes)
SELECT %(agency)s, gen_random_uuid(), %(client)s, (%(first)s + i)::int, 'BK-' || (%(first)s + i), %(type)s, %(queue)s,
       NULL, 'Request ' || i, NULL, 'normal', 2::smallint,
       (ARRAY['new','in_progress','waiting_on_client','in_review'])[1 + i %% 4],
       now() + (i %% 30) * interval '1 day', '{}'::json, NULL,
       now() - i * interval '5 minutes', now() - i * interval '5 minutes', NULL, '[]'::json, 0
FROM generate_series(0::bigint, %(n)s::bigint - 1) AS i
"""

# Client-visible questions on every waiting request of the portal's company (two each: the latest one is shown).
QUESTIONS_SQL = """
INSERT INTO task_comments (agency_id, id, client_id, task_id, author_id, body, client_visible, created_at)
SELECT t.agency_id, gen_random_uuid(), t.client_id, t.id, %(author)s, 'Question ' || k || ' on ' || t.reference, true,
       t.created_at + k * interval '1 hour'
FROM tasks t CROSS JOIN generate_series(1, 2) AS k
WHERE t.client_id = %(client)s AND t.status = 'waiting_on_client' AND t.closed_at IS NULL
"""

# Time entries on 40% of tasks (by number), by staff, spread over the last year.
TIME_SQL = """
INSERT INTO time_entries (agency_id, id, client_id, task_id, user_id, started_at, ended_at, minutes, billable, note,
                          billed_at, created_at)
SELECT t.agency_id, gen_random_uuid(), t.client_id, t.id, (%(staff)s::uuid[])[1 + t.number %% 20],
       s.at, s.at + (15 + t.number %% 120) * interval '1 minute', 15 + t.number %% 120, t.number %% 3 > 0, NULL, NULL, s.at
FROM tasks t CROSS JOIN LATERAL (SELECT now() - ((t.number::bigint * 7919) %% 525600) * interval '1 minute' AS at) AS s
WHERE t.number %% 5 < 2
"""

# SLA clocks on most open tasks, as a policy would have set them (some answered, the waiting ones paused).
SLA_SQL = """
UPDATE tasks SET resolution_due_at = due_at, resolution_at_risk_at = due_at - interval '1 day',
                 first_response_due_at = created_at + interval '1 day', first_response_at_risk_at = created_at + interval '20 hours',
                 first_responded_at = CASE WHEN number %% 3 > 0 THEN created_at + interval '2 hours' END,
                 sla_paused_since = CASE WHEN status = 'waiting_on_client' THEN updated_at END
WHERE closed_at IS NULL AND due_at IS NOT NULL
"""

AUDIT_SQL = """
INSERT INTO audit_events (agency_id, id, client_id, at, actor_id, actor_email, action, target_type, target_id, ip, details)
SELECT %(agency)s, gen_random_uuid(), NULL, now() - i * interval '30 seconds', %(admin)s, 'admin@bench.test',
       (ARRAY['task.created','task.updated','user.signed_in','client.updated','task.closed'])[1 + i %% 5],
       'task', i::text, '127.0.0.1', '{}'::json
FROM generate_series(1::bigint, %(n)s::bigint) AS i
"""


@contextmanager
def indexes_built_after(owner_url: str, tables: tuple[str, ...]):
    """Drop the tables' secondary indexes for a bulk load and build them again after it (much faster than keeping
    every index up to date row by row). Indexes behind constraints (keys, uniques) stay."""
    with psycopg.connect(plain(owner_url), autocommit=True) as conn:
        indexes = conn.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s)
                                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            (list(tables),),
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        started = time.perf_counter()
        with psycopg.connect(plain(owner_url), autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                conn.execute(definition)
        print(f"{len(indexes)} indexes built in {time.perf_counter() - started:.1f} s")


def seed(app, owner_url: str, tasks: int) -> dict:
    """Everything the pages read, as the owner (no row-level security), in bulk SQL."""
    from app import create_app

    owner_app = create_app({"SQLALCHEMY_DATABASE_URI": app.config["MIGRATION_DATABASE_URL"]})
    started = time.perf_counter()
    ids = seed_catalog(owner_app)
    with indexes_built_after(owner_url, ("tasks", "time_entries", "audit_events", "task_comments")):
        seed_rows(owner_url, ids, tasks)
    with psycopg.connect(plain(owner_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    return ids


def seed_rows(owner_url: str, ids: dict, tasks: int) -> None:
    seed_tasks(owner_url, ids, tasks)
    with psycopg.connect(plain(owner_url)) as conn:
        conn.execute("SET synchronous_commit = off")
        client = ids["clients"][1]  # no open tasks of its own (open ones fall on every tenth client): the 5,000 are added
        open_now = conn.execute("SELECT count(*) FROM tasks WHERE client_id = %s AND closed_at IS NULL", (client,)).fetchone()[0]
        first = conn.execute("SELECT max(number) + 1 FROM tasks").fetchone()[0]
        extra = max(0, PORTAL_OPEN - open_now)
        conn.execute(
            EXTRA_TASKS_SQL,
            {"agency": ids["agency"], "client": client, "first": first, "n": extra, "type": ids["types"][0], "queue": ids["queues"][0]},
        )
        conn.execute("UPDATE task_counters SET next_number = %s", (first + extra + 1,))
        conn.execute(SLA_SQL, {})
        conn.execute(QUESTIONS_SQL, {"client": client, "author": ids["staff"][0]})
        phase = time.perf_counter()
        conn.execute(TIME_SQL, {"staff": ids["staff"]})
        conn.execute(AUDIT_SQL, {"agency": ids["agency"], "admin": ids["admin"], "n": tasks})
        conn.execute(
            """INSERT INTO users (agency_id, id, client_id, email, name, role, session_version, created_at)
                        VALUES (%s, gen_random_uuid(), %s, 'portal@bench.test', 'Portal User', 'client_admin', 1, now())""",
            (ids["agency"], client),
        )
        conn.commit()
        print(f"time entries and audit events in {time.perf_counter() - phase:.1f} s")


def people(owner_url: str) -> dict:
    """The bench's agency, users and a few ids the pages need, read back from the database."""
    with psycopg.connect(plain(owner_url)) as conn:

        def one(sql, *params):
            return conn.execute(sql, params).fetchone()

        # Signed-in people have set a password (the bench signs in by session cookie; the hash is never checked).
        conn.execute("""UPDATE users SET password_hash = 'bench' WHERE password_hash IS NULL
                        AND email IN ('admin@bench.test', 'staff0@bench.test', 'portal@bench.test')""")
        conn.commit()
        agency = one("SELECT id FROM agencies WHERE slug = 'bench'")[0]
        admin = one("SELECT id, agency_id, session_version FROM users WHERE email = 'admin@bench.test'")
        staff = one("SELECT id, agency_id, session_version FROM users WHERE email = 'staff0@bench.test'")
        portal = one("SELECT id, agency_id, session_version, client_id FROM users WHERE email = 'portal@bench.test'")
        queue = one(
            """SELECT q.id FROM queues q JOIN queue_members m ON m.queue_id = q.id
                       WHERE m.user_id = %s ORDER BY q.name LIMIT 1""",
            staff[0],
        )[0]
        staff_task = one("SELECT id FROM tasks WHERE assignee_id = %s AND closed_at IS NULL LIMIT 1", staff[0])[0]
        portal_task = one(
            """SELECT id FROM tasks WHERE client_id = %s AND status = 'waiting_on_client' AND closed_at IS NULL
                             ORDER BY created_at DESC LIMIT 1""",
            portal[3],
        )[0]
        counts = one(
            """SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM time_entries), (SELECT count(*) FROM audit_events),
                               (SELECT count(*) FROM tasks WHERE client_id = %s AND closed_at IS NULL)""",
            portal[3],
        )
    return {
        "agency": agency,
        "admin": admin,
        "staff": staff,
        "portal": portal,
        "queue": queue,
        "staff_task": staff_task,
        "portal_task": portal_task,
        "counts": counts,
    }


def pages(p: dict) -> list[tuple[str, str, str]]:
    """(page, role, path): what each role opens in a day."""
    q, st, pt, sid, aid = p["queue"], p["staff_task"], p["portal_task"], p["staff"][0], p["admin"][0]
    agency = [
        ("Dashboard home", "/"),
        ("My work", "/work"),
        ("Queue", f"/queues/{q}/tasks"),
        ("All clients", "/work/clients"),
        ("Clients", "/clients"),
        ("Task page", f"/tasks/{st}"),
        ("Workload", "/work/workload"),
        ("Timesheet", "/time"),
        ("Notifications", "/notifications"),
        ("SLA report, staff", f"/sla/reports/staff/{sid}"),
        ("API tasks", "/api/v1/tasks"),
        ("API queues", "/api/v1/queues"),
        ("API workload", "/api/v1/work/workload"),
        ("API client summaries", "/api/v1/work/clients"),
        ("API time entries", "/api/v1/time-entries"),
    ]
    admin_only = [
        ("SLA report, agency", "/sla/reports"),
        ("Audit log", "/admin/audit"),
        ("API SLA report", "/api/v1/sla/report"),
    ]
    portal = [
        ("Portal home (5,000 open)", "/portal"),
        ("Portal requests", "/portal/requests"),
        ("Portal request page", f"/portal/requests/{pt}"),
        ("API portal requests", "/api/v1/portal/requests"),
        ("API portal request", f"/api/v1/portal/requests/{pt}"),
    ]
    del aid
    return [(n, "admin", u) for n, u in agency + admin_only] + [(n, "staff", u) for n, u in agency] + [(n, "client", u) for n, u in portal]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--only", default="")
    args = parser.parse_args()

    scratch, app_url, owner_url = use_database(args.host)
    if scratch and args.keep:
        print(f"DATABASE_URL={app_url} MIGRATION_DATABASE_URL={owner_url}")
    try:
        return run(args, app_url, owner_url)
    finally:
        if scratch and not args.keep:
            drop_database(args.host, scratch)


def run(args, app_url: str, owner_url: str) -> int:
    from flask_migrate import upgrade
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
    with psycopg.connect(plain(owner_url)) as conn:
        seeded = conn.execute("SELECT 1 FROM agencies WHERE slug = 'bench'").fetchone()
    if not seeded:
        seed(app, owner_url, args.tasks)
    p = people(owner_url)
    tasks, entries, events, portal_open = p["counts"]
    clients = {}
    for role, key in (("admin", "admin"), ("staff", "staff"), ("client", "portal")):
        user_id, agency_id, version = p[key][:3]
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = f"{agency_id}:{user_id}:{version}"
            session["_fresh"] = True
        clients[role] = client

    statements = [0]

    def count(*_args):
        statements[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    rows = []
    for name, role, path in pages(p):
        if args.only and not any(part.strip().lower() in name.lower() for part in args.only.split(",")):
            continue
        client = clients[role]
        for _ in range(2):  # warm-up: caches, plans, connection
            response = client.get(path)
        statements[0] = 0
        response = client.get(path)
        n, status = statements[0], response.status_code
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(samples)
        ok = status == 200 and p95 <= TARGET_MS
        rows.append((name, role, status, n, p50, p95, "PASS" if ok else "FAIL"))
        print(f"  {name} ({role}): {p95:.1f} ms", file=sys.stderr, flush=True)
    event.remove(engine, "before_cursor_execute", count)

    width = max(len(r[0]) for r in rows)
    print(
        f"\n{tasks:,} tasks, {entries:,} time entries, {events:,} audit events; portal company with {portal_open:,} open "
        f"requests; {args.repeat} runs each after warm-up; server time in ms (target p95 <= {TARGET_MS:.0f})"
    )
    print(f"{'page':<{width}}  {'role':<6} {'status':>6} {'stmts':>5} {'p50':>8} {'p95':>8}  result")
    for name, role, status, n, p50, p95, result in rows:
        print(f"{name:<{width}}  {role:<6} {status:>6} {n:>5} {p50:8.1f} {p95:8.1f}  {result}")
    return 1 if any(r[-1] == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
