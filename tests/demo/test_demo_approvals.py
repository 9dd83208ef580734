"""The demo's client approvals: pending with Acme's admin, one approved, one rejected with a comment; seeded once."""

from sqlalchemy import select

from app.extensions import db
from app.work.models import ApprovalRequest
from tenants.context import TenantContext, set_tenant
from tenants.models import Agency


def _approvals(app, slug):
    with app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
        set_tenant(TenantContext(agency_id=agency.id))
        rows = db.session.scalars(select(ApprovalRequest).order_by(ApprovalRequest.created_at)).all()
        return sorted((row.status, row.title, row.decision_comment) for row in rows)


def test_demo_has_approvals_in_each_state_and_acme_sees_the_pending_one(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    northwind = _approvals(app, "northwind")
    assert [status for status, _, _ in northwind] == ["approved", "pending", "rejected"]
    assert next(comment for status, _, comment in northwind if status == "rejected")
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert _approvals(app, "northwind") == northwind  # seeded once
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/token", json={"agency": "northwind", "email": "acme.admin@acme.example", "password": "backline-demo"}
    ).get_json()["token"]
    pending = client.get("/api/v1/portal/approvals", headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
    assert [item["title"] for item in pending] == ["Payroll register for this month"] and pending[0]["can_decide"]
