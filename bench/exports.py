"""CSV export speed on PostgreSQL: the biggest queue of a seeded agency (every status), exported as the background job
does it (keyset chunks of plain rows, csv writer, the file stored), as the agency admin under row-level security.

    DATABASE_URL=postgresql://app@host/db MIGRATION_DATABASE_URL=postgresql://owner@host/db .venv/bin/python bench/exports.py
    .venv/bin/python bench/exports.py --tasks 200000   # scratch database seeded as bench/queues.py does, dropped after

Target: at least 20,000 rows per second.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.queues import drop_database, plain, seed_catalog, seed_tasks, use_database  # noqa: E402

TARGET_ROWS_PER_S = 20_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    scratch, _, owner_url = use_database(args.host)
    try:
        return run(args, owner_url, seed=scratch is not None)
    finally:
        if scratch and not args.keep:
            drop_database(args.host, scratch)
            print(f"dropped scratch database {scratch}")


def run(args, owner_url: str, *, seed: bool) -> int:
    from flask_migrate import upgrade
    from werkzeug.datastructures import MultiDict

    from app import create_app

    app = create_app({"TESTING": True})
    with app.app_context():
        upgrade()
    if seed:
        ids = seed_catalog(create_app({"SQLALCHEMY_DATABASE_URI": app.config["MIGRATION_DATABASE_URL"]}))
        seed_tasks(owner_url, ids, args.tasks)
    with psycopg.connect(plain(owner_url)) as conn:
        agency, queue_id, count = conn.execute(
            "SELECT agency_id, queue_id, count(*) FROM tasks GROUP BY agency_id, queue_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        admin_id = conn.execute("SELECT id FROM users WHERE agency_id = %s AND role = 'agency_admin' LIMIT 1", (agency,)).fetchone()[0]

    from app.accounts.models import User
    from app.core.jobs import discard_pending
    from app.extensions import db
    from app.work.models import TaskExport
    from app.work.services import exports
    from tenants.context import TenantContext, set_tenant, tenant_scope

    results = []
    with app.test_request_context("/"), app.app_context():
        for _ in range(args.repeat):
            with tenant_scope(TenantContext(agency_id=agency, user_id=admin_id, role="agency_admin")):
                user = db.session.scalar(db.select(User).where(User.id == admin_id))
                view = {"view": "queue", "queue_id": queue_id, "client_id": None}
                export = exports.start(user, view, MultiDict({"status": "all"}), "queue.csv", count)
                discard_pending()  # run here, timed, rather than by a worker
                db.session.commit()
                export_id = export.id
            set_tenant(TenantContext(agency_id=agency, role="job"))
            started = time.perf_counter()
            with tenant_scope(TenantContext(agency_id=agency, role="job")):
                outcome = exports.run(export_id)
                done = db.session.scalar(db.select(TaskExport).where(TaskExport.id == export_id))
                rows, size = done.rows, done.size_bytes
                db.session.rollback()
            seconds = time.perf_counter() - started
            results.append((outcome, rows, size, seconds))
    print(f"queue of {count:,} tasks (every status), exported as the admin by the background job, file stored:")
    failed = False
    for outcome, rows, size, seconds in results:
        rate = rows / seconds if seconds else 0
        ok = outcome == "done" and rows == count and rate >= TARGET_ROWS_PER_S
        failed |= not ok
        print(
            f"  {outcome}: {rows:,} rows, {size or 0:,} bytes in {seconds:.1f} s = {rate:,.0f} rows/s "
            f"(target {TARGET_ROWS_PER_S:,}) {'ok' if ok else 'MISSED'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
