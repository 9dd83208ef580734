"""A small world of two agencies, each with every role, two clients and a row of every tenant table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace

from app.core import audit
from app.core.idempotency import IdempotencyKey
from app.core.outbox import OutboxJob
from app.core.types import utcnow
from app.extensions import db
from app.sla.models import ClientHoliday, SlaCalendar, SlaEvent, SlaPolicy, SlaPolicyVersion, SlaRule
from app.work.models import (
    ApprovalApprover,
    ApprovalFile,
    ApprovalRequest,
    DocumentRequest,
    DocumentRequestItem,
    TaskCounter,
    TaskExport,
)
from tenants.context import TenantContext, tenant_scope
from tests.support import factories as f


@dataclass(frozen=True)
class UserRef:
    id: object
    agency_id: object
    client_id: object
    email: str
    role: str
    name: str
    session_version: int = 1

    @classmethod
    def of(cls, user) -> UserRef:
        return cls(user.id, user.agency_id, user.client_id, user.email, user.role, user.name, user.session_version)


ROLES = ("agency_admin", "staff", "client_admin", "client_member")


def _agency(tag: str) -> SimpleNamespace:
    agency = f.AgencyFactory(name=f"Agency {tag.upper()}", slug=f"agency-{tag}")
    with tenant_scope(TenantContext(agency_id=agency.id)):
        client = f.ClientFactory(name=f"{tag.upper()} Client One", agency_id=agency.id)
        other_client = f.ClientFactory(name=f"{tag.upper()} Client Two", agency_id=agency.id)
        admin = f.UserFactory(agency_id=agency.id, role="agency_admin", email=f"admin@{tag}.test", name=f"{tag.upper()} Admin")
        staff = f.UserFactory(agency_id=agency.id, role="staff", email=f"staff@{tag}.test", name=f"{tag.upper()} Staff")
        idle_staff = f.UserFactory(agency_id=agency.id, role="staff", email=f"idle@{tag}.test", name=f"{tag.upper()} Idle")
        client_admin = f.UserFactory(
            agency_id=agency.id, role="client_admin", client_id=client.id, email=f"boss@{tag}-one.test", name=f"{tag.upper()} One Boss"
        )
        client_member = f.UserFactory(
            agency_id=agency.id, role="client_member", client_id=client.id, email=f"clerk@{tag}-one.test", name=f"{tag.upper()} One Clerk"
        )
        other_client_admin = f.UserFactory(
            agency_id=agency.id, role="client_admin", client_id=other_client.id, email=f"boss@{tag}-two.test", name=f"{tag.upper()} Two Boss"
        )
        invited = f.UserFactory(
            agency_id=agency.id,
            role="client_member",
            client_id=other_client.id,
            password_hash=None,
            email=f"invited@{tag}-two.test",
            name=f"{tag.upper()} Two Invitee",
        )
        assignment = f.ClientStaffFactory(agency_id=agency.id, client_id=client.id, user_id=staff.id)
        invitation = f.InvitationFactory(agency_id=agency.id, client_id=other_client.id, user_id=invited.id)
        reset = f.PasswordResetFactory(agency_id=agency.id, client_id=other_client.id, user_id=other_client_admin.id)
        token = f.ApiTokenFactory(agency_id=agency.id, client_id=other_client.id, user_id=other_client_admin.id)
        staff_token = f.ApiTokenFactory(agency_id=agency.id, user_id=idle_staff.id)
        event = audit.record("test.event", client, client_id=other_client.id)
        # A job waiting in the outbox (harmless if a test's relay hands it over).
        db.session.add(OutboxJob(agency_id=agency.id, path="worker.jobs.housekeeping.purge_expired", kwargs={"agency_id": str(agency.id)}))
        db.session.add(
            IdempotencyKey(
                user_id=other_client_admin.id,
                client_id=other_client.id,
                key=f"seed-{tag}",
                request_hash="0" * 64,
                status_code=201,
                response_body="{}",
            )
        )
        work = _work(tag, agency.id, client, other_client, staff, client_admin)
        work.update(_approvals(tag, agency.id, work, [("", client.id, client_admin), ("other_", other_client.id, other_client_admin)], staff))
        db.session.flush()
        refs = {
            "agency_id": agency.id,
            "slug": agency.slug,
            "name": agency.name,
            "client_id": client.id,
            "other_client_id": other_client.id,
            "client_name": client.name,
            "other_client_name": other_client.name,
            "assignment_id": assignment.id,
            "invitation_id": invitation.id,
            "reset_id": reset.id,
            "token_id": token.id,
            "staff_token_id": staff_token.id,
            "audit_event_id": event.id,
        }
        users = {
            "agency_admin": admin,
            "staff": staff,
            "idle_staff": idle_staff,
            "client_admin": client_admin,
            "client_member": client_member,
            "other_client_admin": other_client_admin,
            "invited": invited,
        }
        refs.update({key: UserRef.of(user) for key, user in users.items()})
        refs.update(work)
    return SimpleNamespace(**refs)


def _work(tag, agency_id, client, other_client, staff, client_admin) -> dict:
    """A service line, queue and task type, and a task (with every kind of child row) for each client."""
    line = f.ServiceLineFactory(agency_id=agency_id, name="Bookkeeping", code="BK")
    queue = f.QueueFactory(agency_id=agency_id, name="Bookkeeping queue", service_line_id=line.id)
    f.QueueMemberFactory(agency_id=agency_id, queue_id=queue.id, user_id=staff.id)
    task_type = f.TaskTypeFactory(agency_id=agency_id, service_line_id=line.id, name="Month-end close", default_queue_id=queue.id)
    refs = {"service_line_id": line.id, "queue_id": queue.id, "task_type_id": task_type.id}
    for key, owner in (("", client), ("other_", other_client)):
        f.ClientServiceFactory(agency_id=agency_id, client_id=owner.id, service_line_id=line.id)
        task = f.TaskFactory(
            agency_id=agency_id,
            client_id=owner.id,
            task_type_id=task_type.id,
            queue_id=queue.id,
            assignee_id=staff.id if owner is client else None,
            title=f"{tag.upper()} {owner.name} close",
        )
        child = {"agency_id": agency_id, "client_id": owner.id, "task_id": task.id}
        item = f.ChecklistItemFactory(**child)
        internal = f.CommentFactory(**child, author_id=staff.id, body=f"INTERNAL-NOTE-{tag}-{key}task")
        shared = f.CommentFactory(**child, author_id=staff.id, body=f"Client-visible note {tag}", client_visible=True)
        attachment = f.AttachmentFactory(**child, uploaded_by_id=staff.id)
        f.ActivityFactory(**child, actor_id=staff.id)
        f.WatcherFactory(**child, user_id=staff.id)
        entry = f.TimeEntryFactory(**child, user_id=staff.id, note=f"INTERNAL-TIME-{tag}")
        schedule = f.RecurringScheduleFactory(agency_id=agency_id, client_id=owner.id, task_type_id=task_type.id)
        asked = DocumentRequest(
            **child, title=f"{tag.upper()} {owner.name} statements", due_on=date(2026, 12, 31), requested_by_id=staff.id, status="open"
        )
        db.session.add(asked)
        db.session.flush()
        document = DocumentRequestItem(
            **child,
            request_id=asked.id,
            name="October bank statement",
            status="uploaded",
            attachment_id=attachment.id,
            uploaded_by_id=staff.id,
            uploaded_at=utcnow(),
        )
        db.session.add(document)
        db.session.flush()
        refs.update({f"{key}document_request_id": asked.id, f"{key}document_item_id": document.id})
        refs.update(
            {
                f"{key}task_id": task.id,
                f"{key}checklist_item_id": item.id,
                f"{key}comment_id": internal.id,
                f"{key}shared_comment_id": shared.id,
                f"{key}attachment_id": attachment.id,
                f"{key}time_entry_id": entry.id,
                f"{key}schedule_id": schedule.id,
            }
        )
    refs.update(_sla(tag, agency_id, client, other_client, task_type, refs))
    refs["saved_filter_id"] = f.SavedFilterFactory(agency_id=agency_id, user_id=staff.id).id
    export = TaskExport(
        agency_id=agency_id, user_id=staff.id, view="my_work", filename="my-work.csv", status="failed", expires_at=utcnow() + timedelta(days=1)
    )
    db.session.add(export)
    db.session.flush()
    refs["export_id"] = export.id
    refs["notification_id"] = f.NotificationFactory(agency_id=agency_id, user_id=staff.id, task_id=refs["task_id"]).id
    f.NotificationFactory(agency_id=agency_id, user_id=client_admin.id, client_id=client.id, task_id=refs["task_id"])
    f.NotificationPreferenceFactory(agency_id=agency_id, user_id=staff.id)
    f.NotificationPreferenceFactory(agency_id=agency_id, user_id=client_admin.id, client_id=client.id)
    db.session.add(TaskCounter(agency_id=agency_id, next_number=1001))
    return refs


def _sla(tag, agency_id, client, other_client, task_type, work) -> dict:
    """A calendar, a policy (one version) applied to the second client's month-end work, holidays and events.

    The rule names the second client only, so tasks other tests make for the first client run no clocks.
    """
    calendar = SlaCalendar(
        agency_id=agency_id,
        name=f"{tag.upper()} office",
        timezone="Europe/London",
        hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        holidays=[],
    )
    policy = SlaPolicy(agency_id=agency_id, name=f"{tag.upper()} standard", current_version=1)
    db.session.add_all([calendar, policy])
    db.session.flush()
    version = SlaPolicyVersion(
        agency_id=agency_id,
        policy_id=policy.id,
        version=1,
        calendar_id=calendar.id,
        at_risk_percent=75,
        targets={"normal": {"first_response": 240, "resolution": 960}},
    )
    rule = SlaRule(
        agency_id=agency_id,
        policy_id=policy.id,
        client_id=other_client.id,
        task_type_id=task_type.id,
        match_key=SlaRule.key_for(other_client.id, task_type.id),
    )
    db.session.add_all([version, rule])
    db.session.flush()
    refs = {"calendar_id": calendar.id, "policy_id": policy.id, "policy_version_id": version.id, "rule_id": rule.id}
    for key, owner in (("", client), ("other_", other_client)):
        holiday = ClientHoliday(agency_id=agency_id, client_id=owner.id, day=date(2026, 12, 28), name=f"{owner.name} shutdown")
        event = SlaEvent(
            agency_id=agency_id, client_id=owner.id, task_id=work[f"{key}task_id"], metric="resolution", kind="at_risk", occurred_at=utcnow()
        )
        db.session.add_all([holiday, event])
        db.session.flush()
        refs.update({f"{key}client_holiday_id": holiday.id, f"{key}sla_event_id": event.id})
    return refs


def _approvals(tag, agency_id, work, approvers, staff) -> dict:
    """An approved approval request on each client's task, with its approver and a file to review.

    Approved, so the world's tasks can still be completed by the tests that move them.
    """
    refs = {}
    for key, client_id, approver in approvers:
        approval = ApprovalRequest(
            agency_id=agency_id,
            client_id=client_id,
            task_id=work[f"{key}task_id"],
            title=f"{tag.upper()} register",
            requested_by_id=staff.id,
            status="approved",
            decided_by_id=approver.id,
            decided_at=utcnow(),
        )
        db.session.add(approval)
        db.session.flush()
        person = ApprovalApprover(agency_id=agency_id, client_id=client_id, approval_id=approval.id, user_id=approver.id)
        review = ApprovalFile(agency_id=agency_id, client_id=client_id, approval_id=approval.id, attachment_id=work[f"{key}attachment_id"])
        db.session.add_all([person, review])
        db.session.flush()
        refs.update({f"{key}approval_request_id": approval.id, f"{key}approval_approver_id": person.id, f"{key}approval_file_id": review.id})
    return refs


def build() -> SimpleNamespace:
    world = SimpleNamespace(a=_agency("a"), b=_agency("b"))
    db.session.commit()
    return world


def sign_in(client, user: UserRef, session_version: int | None = None) -> None:
    """Put a Flask-Login session for `user` into the test client's cookie jar."""
    version = session_version if session_version is not None else user.session_version
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.agency_id}:{user.id}:{version}"
        session["_fresh"] = True


def signed_in_client_factory(app):
    app.config["WTF_CSRF_ENABLED"] = False

    def make(user: UserRef):
        client = app.test_client()
        sign_in(client, user)
        return client

    return make
