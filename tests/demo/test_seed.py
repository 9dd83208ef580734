"""`flask demo seed` is idempotent and its two agencies cannot see each other."""
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
