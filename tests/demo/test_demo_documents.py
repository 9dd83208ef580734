"""The demo's document requests show every state: missing, sent for review, rejected with a reason, accepted, complete."""

from sqlalchemy import select

from app.extensions import db
from app.work.models import DocumentRequest, DocumentRequestItem
from tenants.context import TenantContext, set_tenant
from tenants.models import Agency


def test_demo_document_requests_show_every_state(app):
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        for agency in db.session.scalars(select(Agency).order_by(Agency.slug)).all():
            set_tenant(TenantContext(agency_id=agency.id))
            items = db.session.scalars(select(DocumentRequestItem)).all()
            assert {i.status for i in items} == {"missing", "uploaded", "rejected", "accepted"}, agency.slug
            assert all(i.reject_reason for i in items if i.status == "rejected")
            assert all(i.attachment_id for i in items if i.status != "missing")
            statuses = set(db.session.scalars(select(DocumentRequest.status)))
            assert statuses == {"open", "closed"}, agency.slug
