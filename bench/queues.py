"""Work-list speed on PostgreSQL: seed one agency (200 clients, 1,000,000 tasks, 10% open) and time My work,
a queue, all clients and claim-next through the application's own query functions (as the application role,
row-level security on) against the same queries as raw SQL, and check no plan scans the tasks table.

    .venv/bin/python bench/queues.py                   # scratch database on 127.0.0.1 as user postgres, dropped after
    DATABASE_URL=postgresql://app@host/db MIGRATION_DATABASE_URL=postgresql://owner@host/db .venv/bin/python bench/queues.py

Options: --tasks N (default 1000000), --repeat N (default 100), --keep (keep the scratch database). Pointed at a kept
database (DATABASE_URL, MIGRATION_DATABASE_URL), a run reuses the agency seeded there instead of seeding again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BACKLINE_INSTANCE_DIR", tempfile.mkdtemp(prefix="backline-bench-"))

OWNER, APP = "backline_owner", "backline_app"
TARGET_VIEW_MS, TARGET_CLAIM_MS, TARGET_RATIO = 50.0, 20.0, 2.0


# --- database --------------------------------------------------------------------------------


def scratch_database(host: str) -> tuple[str, str, str]:
    """Create roles (if missing) and a fresh database owned by the owner role, as .ci/run does."""
    name = f"backline_bench_{os.getpid()}"
    with psycopg.connect(f"postgresql://postgres@{host}/postgres", autocommit=True) as conn:
        conn.execute(f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER}') THEN CREATE ROLE {OWNER} LOGIN NOSUPERUSER BYPASSRLS; END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP}') THEN
              CREATE ROLE {APP} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; END IF; END $$""")
        conn.execute(f"CREATE DATABASE {name} OWNER {OWNER}")
    with psycopg.connect(f"postgresql://postgres@{host}/{name}", autocommit=True) as conn:
        conn.execute(f"REVOKE ALL ON SCHEMA public FROM PUBLIC; ALTER SCHEMA public OWNER TO {OWNER}")
    return name, f"postgresql://{APP}@{host}/{name}", f"postgresql://{OWNER}@{host}/{name}"


def use_database(host: str) -> tuple[str | None, str, str]:
    """The database a bench runs on: DATABASE_URL (and MIGRATION_DATABASE_URL) if set, else a new scratch one.

    Returns (scratch name or None, application URL, owner URL) and points the application at them, jobs in-process.
    """
    scratch = None
    app_url, owner_url = os.environ.get("DATABASE_URL"), os.environ.get("MIGRATION_DATABASE_URL")
    if not app_url:
        scratch, app_url, owner_url = scratch_database(host)
        print(f"scratch database {scratch}")
    os.environ["DATABASE_URL"], os.environ["MIGRATION_DATABASE_URL"] = app_url, owner_url or app_url
    os.environ.pop("REDIS_URL", None)  # jobs run in-process, held until commit
    return scratch, app_url, owner_url or app_url


def drop_database(host: str, name: str) -> None:
    with psycopg.connect(f"postgresql://postgres@{host}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


# --- seed ------------------------------------------------------------------------------------

LINES = [("Bookkeeping", "BK"), ("Payroll", "PY"), ("Recruitment", "RC"), ("Compliance", "CP")]
STAFF = 20  # staff s serves clients c with c % 10 == s % 10 and works queues q with q % 2 == s // 10


def seed_catalog(app) -> dict:
    """The agency, people, clients, service lines, queues and task types, through the models (as the owner)."""
    from app.accounts.models import User
    from app.catalog.models import ClientService, ServiceLine, TaskType
    from app.clients.models import ClientStaff
    from app.extensions import db
    from app.work.models import Queue, QueueMember
    from tenants.context import TenantContext, tenant_scope
    from tenants.models import Agency, Client

    with app.app_context():
        agency = Agency(name="Bench Agency", slug="bench")
        db.session.add(agency)
        db.session.flush()
        with tenant_scope(TenantContext(agency_id=agency.id)):
            admin = User(email="admin@bench.test", name="Bench Admin", role="agency_admin")
            staff = [User(email=f"staff{n}@bench.test", name=f"Staff {n:02d}", role="staff") for n in range(STAFF)]
            clients = [Client(name=f"Client {n:03d}", timezone="UTC") for n in range(200)]
            db.session.add_all([admin, *staff, *clients])
            db.session.flush()
            lines = [ServiceLine(name=name, code=code, position=n) for n, (name, code) in enumerate(LINES)]
            db.session.add_all(lines)
            db.session.flush()
            queues = [Queue(name=f"{line.name} queue", service_line_id=line.id) for line in lines]
            db.session.add_all(queues)
            db.session.flush()
            types = [
                TaskType(service_line_id=lines[n // 2].id, name=f"{lines[n // 2].name} type {n % 2}", default_queue_id=queues[n // 2].id)
                for n in range(8)
            ]
            db.session.add_all(types)
            for c, client in enumerate(clients):
                db.session.add_all([ClientService(client_id=client.id, service_line_id=line.id) for line in lines])
                db.session.add_all([ClientStaff(client_id=client.id, user_id=staff[s].id) for s in range(STAFF) if s % 10 == c % 10])
            for q, queue in enumerate(queues):
                db.session.add_all([QueueMember(queue_id=queue.id, user_id=staff[s].id) for s in range(STAFF) if s // 10 == q % 2])
            db.session.flush()
            ids = {
                "agency": agency.id,
                "admin": admin.id,
                "staff": [u.id for u in staff],
                "clients": [c.id for c in clients],
                "queues": [q.id for q in queues],
                "types": [t.id for t in types],
            }
        db.session.commit()
    return ids


TASKS_SQL = """
INSERT INTO tasks (agency_id, id, client_id, number, reference, task_type_id, queue_id, assignee_id, title, description,
                   priority, priority_rank, status, due_at, custom_values, created_by_id, created_at, updated_at, closed_at,
                   sla_pauses, sla_waiting_minutes)
SELECT %(agency)s, gen_random_uuid(), (%(clients)s::uuid[])[1 + c], (1000 + i)::int,
       (ARRAY['BK','PY','RC','CP'])[1 + q] || '-' || (1000 + i), (%(types)s::uuid[])[1 + t], (%(queues)s::uuid[])[1 + q],
       CASE WHEN is_open AND (i / 10 * 31) %% 10 < 7 THEN (%(staff)s::uuid[])[1 + c %% 10 + 10 * (q %% 2)] END,
       'Task ' || i || ' for client ' || c, NULL,
       (ARRAY['urgent','high','normal','low'])[1 + p], p::smallint,
       CASE WHEN is_open THEN (ARRAY['new','in_progress','waiting_on_client','in_review'])[1 + (i / 10) %% 4]
            WHEN i %% 7 = 0 THEN 'cancelled' ELSE 'done' END,
       CASE WHEN (i * 17) %% 10 < 8 THEN date_trunc('hour', now()) + ((i * 7907) %% 40 - 10) * interval '1 day'
                                          + (i %% 24) * interval '1 hour' END,
       '{}'::json, NULL, created, created,
       CASE WHEN NOT is_open THEN created + interval '1 day' END,
       '[]'::json, 0
FROM (
  SELECT i, (i %% 200)::int AS c, ((i / 7) %% 8)::int AS t, ((i / 7) %% 8 / 2)::int AS q, i %% 10 = 0 AS is_open,
         CASE WHEN (i * 7919) %% 100 < 5 THEN 0 WHEN (i * 7919) %% 100 < 25 THEN 1 WHEN (i * 7919) %% 100 < 85 THEN 2 ELSE 3 END AS p,
         now() - (%(n)s - i) * interval '1 minute' AS created
  FROM generate_series(1::bigint, %(n)s::bigint) AS i
) AS s
"""


def seed_tasks(owner_url: str, ids: dict, n: int) -> float:
    started = time.perf_counter()
    with psycopg.connect(plain(owner_url)) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SET synchronous_commit = off")
        conn.execute(
            TASKS_SQL,
            {"agency": ids["agency"], "clients": ids["clients"], "types": ids["types"], "queues": ids["queues"], "staff": ids["staff"], "n": n},
        )
        conn.execute("INSERT INTO task_counters (agency_id, id, next_number) VALUES (%s, gen_random_uuid(), %s)", (ids["agency"], 1001 + n))
        conn.commit()
    with psycopg.connect(plain(owner_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE tasks")
        conn.execute("ANALYZE")
    return time.perf_counter() - started


# --- raw SQL (the same queries, hand-written) --------------------------------------------------

URGENCY = "ORDER BY t.priority_rank, t.due_at NULLS LAST, t.created_at, t.id LIMIT 51"
OPEN = "t.agency_id = %(agency)s AND t.closed_at IS NULL"
# As app.work.access.staff_reach: the staff member's queues and clients, or assigned to them.
REACH = "AND ((t.queue_id = ANY(%(queues)s) AND t.client_id = ANY(%(clients)s)) OR t.assignee_id = %(user)s)"
AFTER = ("(t.priority_rank, t.due_at, t.created_at, t.id) > (%(r)s, %(d)s, %(c)s, %(i)s)", "t.priority_rank = %(r)s AND t.due_at IS NULL")


def raw_list(where: str, cursor: dict | None) -> str:
    if not cursor:
        return f"SELECT t.* FROM tasks t WHERE {where} {URGENCY}"
    if cursor["d"] is None:
        branches = ["t.priority_rank = %(r)s AND t.due_at IS NULL AND (t.created_at, t.id) > (%(c)s, %(i)s)", "t.priority_rank > %(r)s"]
    else:
        branches = list(AFTER)
    parts = " UNION ALL ".join(f"(SELECT t.* FROM tasks t WHERE {where} AND {b} {URGENCY})" for b in branches)
    return f"SELECT * FROM ({parts}) AS t {URGENCY}"


RAW_COUNTS = """SELECT t.client_id, count(*), count(*) FILTER (WHERE t.status = 'waiting_on_client'),
  count(*) FILTER (WHERE t.due_at >= %(today)s AND t.due_at < %(tomorrow)s), count(*) FILTER (WHERE t.due_at < %(now)s)
FROM tasks t WHERE {open} AND t.client_id = ANY(%(clients)s) GROUP BY t.client_id"""
RAW_CLIENTS = "SELECT * FROM clients WHERE agency_id = %(agency)s AND archived_at IS NULL {after} ORDER BY name, id LIMIT 51"
RAW_CLAIM = (
    f"SELECT t.* FROM tasks t WHERE {OPEN} AND t.assignee_id IS NULL AND t.status != 'waiting_on_client' "
    f"{REACH} ORDER BY t.priority_rank, t.due_at NULLS LAST, t.created_at, t.id LIMIT 1 FOR UPDATE OF t SKIP LOCKED"
)


# --- measuring -------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def timed(fn, repeat: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    scratch, app_url, owner_url = use_database(args.host)
    try:
        return run(args, app_url, owner_url or app_url)
    finally:
        if scratch and not args.keep:
            drop_database(args.host, scratch)


def load_ids(owner_url: str) -> dict | None:
    """The ids of an agency seeded by an earlier run (kept with --keep), or None when the database has none."""
    with psycopg.connect(plain(owner_url)) as conn:
        row = conn.execute("SELECT id FROM agencies WHERE slug = 'bench'").fetchone()
        if row is None:
            return None
        agency = row[0]

        def ids(sql: str) -> list:
            return [r[0] for r in conn.execute(sql, (agency,))]

        return {
            "agency": agency,
            "admin": ids("SELECT id FROM users WHERE agency_id = %s AND role = 'agency_admin'")[0],
            "staff": ids("SELECT id FROM users WHERE agency_id = %s AND role = 'staff' ORDER BY name"),
            "clients": ids("SELECT id FROM clients WHERE agency_id = %s ORDER BY name"),
            "queues": [q for name, _ in LINES for q in ids(f"SELECT id FROM queues WHERE agency_id = %s AND name = '{name} queue'")],
            "types": ids("SELECT id FROM task_types WHERE agency_id = %s ORDER BY name"),
        }


def prepare(args, owner_url: str):
    """The application on the bench database, migrated and seeded (or reused, when an earlier run seeded it)."""
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"TESTING": True})
    with app.app_context():
        upgrade()
    ids = load_ids(owner_url)
    if ids is not None:
        print(f"reusing the seeded agency ({len(ids['clients'])} clients)")
        return app, ids
    owner_app = create_app({"SQLALCHEMY_DATABASE_URI": app.config["MIGRATION_DATABASE_URL"]})
    started = time.perf_counter()
    ids = seed_catalog(owner_app)
    seconds = seed_tasks(owner_url, ids, args.tasks)
    print(f"seeded 200 clients and {args.tasks:,} tasks in {time.perf_counter() - started:.1f} s (tasks {seconds:.1f} s)")
    return app, ids


class Bench:
    """Times application calls against raw SQL on one connection of the application role, and collects the results."""

    def __init__(self, args, app_url: str, agency):
        self.args, self.agency = args, agency
        self.raw = psycopg.connect(plain(app_url))
        self.rows: list = []
        self.failures: list[str] = []
        self.captured: list[tuple[str, object]] = []

    def capture(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "tasks" in statement:
            self.captured.append((statement, parameters))

    def raw_run(self, sql: str, params: dict):
        setup = "SELECT set_config('app.agency_id', %s, true), set_config('app.client_id', '', true)"

        def go():
            with self.raw.cursor() as cur:
                cur.execute(setup, (str(self.agency),))
                cur.execute(sql, params)
                cur.fetchall()
            self.raw.rollback()

        return go

    def explain(self, sql: str, params) -> str:
        with self.raw.cursor() as cur:
            cur.execute("SELECT set_config('app.agency_id', %s, true), set_config('app.client_id', '', true)", (str(self.agency),))
            cur.execute("EXPLAIN " + sql, params)
            plan = "\n".join(r[0] for r in cur.fetchall())
        self.raw.rollback()
        return plan

    def measure(self, name, actor, app_fn, raw_sql, raw_args, *, target=TARGET_VIEW_MS, compare=True):
        from sqlalchemy import event

        from app.extensions import db
        from tenants.context import TenantContext, set_tenant

        set_tenant(TenantContext(agency_id=self.agency, user_id=actor.id, role=actor.role))

        def app_call():  # one unit of work, as a request has: the reads (the RLS settings before the first), rollback
            app_fn(actor)
            db.session.rollback()

        event.listen(db.engine, "before_cursor_execute", self.capture)
        self.captured.clear()
        app_call()
        event.remove(db.engine, "before_cursor_execute", self.capture)
        plans = [self.explain(sql, params) for sql, params in self.captured] + [self.explain(raw_sql, raw_args)]
        seq = [p for p in plans if "Seq Scan on tasks" in p]
        a50, a95 = percentiles(timed(app_call, self.args.repeat))
        r50, r95 = percentiles(timed(self.raw_run(raw_sql, raw_args), self.args.repeat))
        ratio = a95 / r95 if r95 else float("inf")
        ok = a95 <= target and (ratio <= TARGET_RATIO or not compare) and not seq
        self.rows.append((name, a50, a95, r50, r95, ratio, "ok" if ok else "MISSED"))
        if seq:
            self.failures.append(f"{name}: sequential scan on tasks\n" + "\n".join(seq))
        if not ok:
            self.failures.append(f"{name}: p95 {a95:.2f} ms (target {target} ms), {ratio:.2f}x raw")
        if os.environ.get("BENCH_PLANS"):
            print(f"--- {name}\n" + "\n\n".join(plans))

    def report(self) -> int:
        width = max(len(r[0]) for r in self.rows)
        print(
            f"\n{self.args.tasks:,} tasks ({self.args.tasks // 10:,} open), 200 clients, {self.args.repeat} runs each; times in ms "
            f"(targets: view p95 <= {TARGET_VIEW_MS:.0f} and <= {TARGET_RATIO:.0f}x raw; claim p95 <= {TARGET_CLAIM_MS:.0f})"
        )
        print(f"{'query':<{width}}  {'app p50':>8} {'app p95':>8} {'raw p50':>8} {'raw p95':>8} {'ratio':>6}  result")
        for name, a50, a95, r50, r95, ratio, result in self.rows:
            print(f"{name:<{width}}  {a50:8.2f} {a95:8.2f} {r50:8.2f} {r95:8.2f} {ratio:5.2f}x  {result}")
        print("\nno plan has a sequential scan on tasks" if not any("sequential" in f for f in self.failures) else "")
        for failure in self.failures:
            print("MISSED:", failure)
        return 1 if self.failures else 0


def actor(agency, user_id):
    """The user, detached, with the tenant context set to them (as the request loader does)."""
    from app.accounts.models import User
    from app.extensions import db
    from tenants.context import TenantContext, set_tenant

    set_tenant(TenantContext(agency_id=agency))
    user = db.session.scalar(db.select(User).where(User.id == user_id))
    set_tenant(TenantContext(agency_id=agency, user_id=user.id, role=user.role))
    db.session.expunge(user)
    db.session.rollback()
    return user


def cursor_params(cursor) -> dict:
    from app.work.queries.keyset import decode_cursor

    r, d, c, i = decode_cursor("urgency", cursor)
    return {"r": r, "d": d, "c": c, "i": i}


def deep_cursor(user, view, pages, **scope):
    """The cursor of page `pages + 1` of a list."""
    from app.extensions import db
    from app.work.queries import lists
    from app.work.queries.filters import TaskFilters

    cursor = None
    for _ in range(pages):
        page = lists.list_tasks(user, TaskFilters(), view=view, cursor=cursor, **scope)
        cursor = page.next_cursor or cursor
    db.session.rollback()
    return cursor


def measure_lists(bench: Bench, staff, admin, ids: dict, raw_params: dict) -> None:
    from app.work.queries import lists
    from app.work.queries.filters import TaskFilters

    filters, queue_id = TaskFilters(), ids["queues"][0]
    mine_deep = deep_cursor(staff, "my_work", 20)
    queue_deep = deep_cursor(staff, "queue", 20, queue_id=queue_id)
    admin_queue_deep = deep_cursor(admin, "queue", 100, queue_id=queue_id)
    mine, queue = f"{OPEN} AND t.assignee_id = %(user)s", f"{OPEN} AND t.queue_id = %(queue)s"
    queue_params = {**raw_params, "queue": queue_id}

    bench.measure("My work, first page (staff)", staff, lambda a: lists.list_tasks(a, filters, view="my_work"), raw_list(mine, None), raw_params)
    bench.measure(
        "My work, page 21 (staff)",
        staff,
        lambda a: lists.list_tasks(a, filters, view="my_work", cursor=mine_deep),
        raw_list(mine, cursor_params(mine_deep)),
        {**raw_params, **cursor_params(mine_deep)},
    )
    bench.measure(
        "Queue, first page (staff)",
        staff,
        lambda a: lists.list_tasks(a, filters, view="queue", queue_id=queue_id),
        raw_list(f"{queue} {REACH}", None),
        queue_params,
    )
    bench.measure(
        "Queue, page 21 (staff)",
        staff,
        lambda a: lists.list_tasks(a, filters, view="queue", queue_id=queue_id, cursor=queue_deep),
        raw_list(f"{queue} {REACH}", cursor_params(queue_deep)),
        {**queue_params, **cursor_params(queue_deep)},
    )
    bench.measure(
        "Queue, first page (admin)",
        admin,
        lambda a: lists.list_tasks(a, filters, view="queue", queue_id=queue_id),
        raw_list(queue, None),
        queue_params,
    )
    bench.measure(
        "Queue, page 101 (admin)",
        admin,
        lambda a: lists.list_tasks(a, filters, view="queue", queue_id=queue_id, cursor=admin_queue_deep),
        raw_list(queue, cursor_params(admin_queue_deep)),
        {**queue_params, **cursor_params(admin_queue_deep)},
    )


def measure_clients(bench: Bench, admin, ids: dict, raw_params: dict) -> None:
    from datetime import UTC, datetime, timedelta
    from datetime import time as dtime

    from app.clients import queries as client_queries
    from app.core.pagination import encode_cursor, keyset_page
    from app.core.types import utcnow
    from app.extensions import db
    from app.work.queries import lists
    from tenants.context import TenantContext, set_tenant
    from tenants.models import Client

    now = utcnow()

    def all_clients(user, cursor=None):
        stmt = client_queries.visible_clients(user).where(Client.archived_at.is_(None))
        page = keyset_page(stmt, Client.name, Client.id, limit=50, cursor=cursor)
        return lists.client_counts(user, [c.id for c in page.items], now=now)

    today = datetime.combine(now.date(), dtime.min, tzinfo=UTC)
    counts_params = {**raw_params, "today": today, "tomorrow": today + timedelta(days=1), "now": now}
    counts_sql = RAW_COUNTS.format(open=OPEN).replace("ANY(%(clients)s)", "ANY(ARRAY(SELECT id FROM page LIMIT 50))")
    bench.measure(
        "All clients, first page (admin)",
        admin,
        lambda a: all_clients(a),
        f"WITH page AS ({RAW_CLIENTS.format(after='')}) {counts_sql}",
        {**counts_params, "clients": ids["clients"][:50]},
    )
    set_tenant(TenantContext(agency_id=ids["agency"], user_id=admin.id, role=admin.role))
    deep = keyset_page(db.select(Client).where(Client.archived_at.is_(None)), Client.name, Client.id, limit=150, cursor=None)
    last_name, last_id = deep.items[-1].name, deep.items[-1].id
    clients_cursor = encode_cursor([last_name, last_id])
    db.session.rollback()
    deep_sql = f"WITH page AS ({RAW_CLIENTS.format(after='AND (name, id) > (%(n)s, %(cid)s)')}) {counts_sql}"
    bench.measure(
        "All clients, page 4 (admin)", admin, lambda a: all_clients(a, clients_cursor), deep_sql, {**counts_params, "n": last_name, "cid": last_id}
    )


def measure_claims(bench: Bench, staff, ids: dict, raw_params: dict) -> None:
    from app.work.services.claim import claim_next_task

    queue_id = ids["queues"][0]
    bench.measure("Claim next (staff)", staff, lambda a: claim_next_task(a), RAW_CLAIM, raw_params, target=TARGET_CLAIM_MS, compare=False)
    bench.measure(
        "Claim next in a queue (staff)",
        staff,
        lambda a: claim_next_task(a, queue_id),
        RAW_CLAIM.replace("ORDER BY", "AND t.queue_id = %(queue)s ORDER BY"),
        {**raw_params, "queue": queue_id},
        target=TARGET_CLAIM_MS,
        compare=False,
    )


def run(args, app_url: str, owner_url: str) -> int:
    app, ids = prepare(args, owner_url)
    staff_id = ids["staff"][0]
    with psycopg.connect(plain(owner_url)) as owner:
        reach_queues = [r[0] for r in owner.execute("SELECT queue_id FROM queue_members WHERE user_id = %s", (staff_id,))]
        reach_clients = [r[0] for r in owner.execute("SELECT client_id FROM client_staff WHERE user_id = %s", (staff_id,))]
    raw_params = {"agency": ids["agency"], "user": staff_id, "queues": reach_queues, "clients": reach_clients}
    bench = Bench(args, app_url, ids["agency"])
    try:
        with app.app_context():
            staff, admin = actor(ids["agency"], staff_id), actor(ids["agency"], ids["admin"])
            measure_lists(bench, staff, admin, ids, raw_params)
            measure_clients(bench, admin, ids, raw_params)
            measure_claims(bench, staff, ids, raw_params)
    finally:
        bench.raw.close()
    return bench.report()


if __name__ == "__main__":
    sys.exit(main())
