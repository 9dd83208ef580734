"""The audit log page: its action list holds exactly the actions of the agency's own log, in order."""

from __future__ import annotations

from app.core import audit
from app.core.audit import AuditEvent
from app.extensions import db
from tests.support.web import tenant_db


def _log(app, agency_id, *actions):
    with tenant_db(app, agency_id):
        for action in actions:
            db.session.add(AuditEvent(action=action))
        db.session.commit()


def test_actions_are_the_distinct_actions_of_this_agency_in_order(app, world):
    _log(app, world.a.agency_id, "task.updated", "client.created", "task.updated", "zz.only_a")
    _log(app, world.b.agency_id, "aa.only_b", "task.created")
    with tenant_db(app, world.a.agency_id):
        expected = sorted({a for (a,) in db.session.query(AuditEvent.action).distinct()})
        assert audit.audit_actions() == expected
        assert "aa.only_b" not in expected and {"client.created", "task.updated", "zz.only_a"} <= set(expected)
    with tenant_db(app, world.b.agency_id):
        assert "zz.only_a" not in audit.audit_actions() and "aa.only_b" in audit.audit_actions()


def test_audit_page_lists_the_actions(app, world, as_user):
    _log(app, world.a.agency_id, "zz.only_a")
    _log(app, world.b.agency_id, "aa.only_b")
    body = as_user(world.a.agency_admin).get("/admin/audit").get_data(as_text=True)
    assert '<option value="zz.only_a"' in body and "aa.only_b" not in body
