"""`flask demo seed` is idempotent and its two agencies cannot see each other."""

from datetime import UTC, datetime

import time_machine
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from tenants.context import TenantContext, set_tenant
from tenants.models import Agency


def _counts(app):
    with app.app_context():
        out = {}
        for agency in db.session.scalars(select(Agency).order_by(Agency.slug)):
            set_tenant(TenantContext(agency_id=agency.id))
            out[agency.slug] = db.session.scalar(select(func.count()).select_from(User))
        return out


def test_seed_twice_creates_everything_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    counts = _counts(app)
    assert counts == {"harbor": 13, "northwind": 13}
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert _counts(app) == counts


def test_demo_admins_see_only_their_own_agency(app):
    app.test_cli_runner().invoke(args=["demo", "seed"])
    names = {}
    for slug, email in (("northwind", "admin@northwind.example"), ("harbor", "admin@harbor.example")):
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"agency": slug, "email": email, "password": "backline-demo"}).get_json()["token"]
        listed = client.get("/api/v1/clients", headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
        names[slug] = {c["name"] for c in listed}
    assert len(names["northwind"]) == len(names["harbor"]) == 4
    assert names["northwind"].isdisjoint(names["harbor"])


# The demo's history is made up backwards from now with a seeded random generator, so at one pinned instant it is
# always the same; how many clocks are at risk at a given moment depends on the hour and weekday (business calendars).
DEMO_NOW = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # a Saturday night


@time_machine.travel(DEMO_NOW, tick=False)
def test_demo_work_shows_every_sla_state_with_history(app):
    from app.core.types import utcnow
    from app.sla.models import SlaEvent
    from app.work.models import Task
    from app.work.queries.sla_state import state_of

    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    now = utcnow()
    with app.app_context():
        for agency in db.session.scalars(select(Agency).order_by(Agency.slug)).all():
            set_tenant(TenantContext(agency_id=agency.id))
            states = {}
            for task in db.session.scalars(select(Task)):
                states[state_of(task, now)] = states.get(state_of(task, now), 0) + 1
            for state in ("on_track", "at_risk", "paused", "breached", "met"):
                assert states.get(state, 0) >= 2, (agency.slug, states)
            kinds = set(db.session.execute(select(SlaEvent.metric, SlaEvent.kind).distinct()).all())
            assert kinds == {("first_response", "at_risk"), ("first_response", "breached"), ("resolution", "at_risk"), ("resolution", "breached")}, (
                agency.slug
            )
            # Every event is dated in the past, at the instant its clock crossed.
            assert db.session.scalar(select(func.max(SlaEvent.occurred_at))) <= now
