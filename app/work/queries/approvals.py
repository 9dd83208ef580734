"""Approval reads: a task's approval requests with approvers and files, what blocks completion, what waits on a client user."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.accounts.models import User
from app.core.visibility import client_visible
from app.extensions import db
from app.work.models import ApprovalApprover, ApprovalFile, ApprovalRequest, Attachment, Task
from tenants.context import as_agency

# The latest request in one of these states keeps the task from being completed.
BLOCKING_STATUSES = ("pending", "rejected")
APPROVAL_NEEDED = "This task needs the client's approval before it can be completed."
STATUS_LABELS = {"pending": "Waiting for approval", "approved": "Approved", "rejected": "Rejected", "withdrawn": "Withdrawn"}


def approvals_of(task: Task) -> list[ApprovalRequest]:
    """The task's approval requests, newest first."""
    return list(
        db.session.scalars(
            select(ApprovalRequest).where(ApprovalRequest.task_id == task.id).order_by(ApprovalRequest.created_at.desc(), ApprovalRequest.id.desc())
        )
    )


def latest_approval(task: Task) -> ApprovalRequest | None:
    return db.session.scalar(
        select(ApprovalRequest)
        .where(ApprovalRequest.task_id == task.id)
        .order_by(ApprovalRequest.created_at.desc(), ApprovalRequest.id.desc())
        .limit(1)
    )


def pending_approval(task: Task) -> ApprovalRequest | None:
    return db.session.scalar(select(ApprovalRequest).where(ApprovalRequest.task_id == task.id, ApprovalRequest.status == "pending"))


def blocks_completion(task: Task) -> bool:
    """A task whose latest approval request is pending or rejected cannot be done (a withdrawn one lifts the need)."""
    latest = latest_approval(task)
    return latest is not None and latest.status in BLOCKING_STATUSES


def approver_ids(approval: ApprovalRequest) -> list:
    return list(db.session.scalars(select(ApprovalApprover.user_id).where(ApprovalApprover.approval_id == approval.id)))


def files_of(approval: ApprovalRequest) -> list[Attachment]:
    """The files to review that are still on the task and visible to the client."""
    return list(
        db.session.scalars(
            select(Attachment)
            .join(ApprovalFile, ApprovalFile.attachment_id == Attachment.id)
            .where(ApprovalFile.approval_id == approval.id, client_visible(Attachment))
            .order_by(Attachment.created_at, Attachment.id)
        )
    )


def approval_of(task: Task, approval_id) -> ApprovalRequest | None:
    """The task's own approval request with this id (None for another task's, client's or agency's)."""
    return db.session.scalar(select(ApprovalRequest).where(ApprovalRequest.id == approval_id, ApprovalRequest.task_id == task.id))


@dataclass
class Person:
    id: object
    name: str


@dataclass
class ApprovalView:
    """An approval request as pages and the API show it: names instead of bare ids, its approvers and files."""

    approval: ApprovalRequest
    approvers: list[Person] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)
    requested_by_name: str | None = None
    decided_by_name: str | None = None
    withdrawn_by_name: str | None = None
    viewer_id: object = None

    def __getattr__(self, name):
        return getattr(self.approval, name)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.approval.status, self.approval.status)

    @property
    def can_decide(self) -> bool:
        """Whether the viewer is a named approver and the request still waits for a decision."""
        return self.approval.status == "pending" and any(p.id == self.viewer_id for p in self.approvers)

    @property
    def approver_names(self) -> str:
        names = [p.name for p in self.approvers]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1] if names else "nobody"


def _names(ids, viewer=None) -> dict:
    if getattr(viewer, "client_id", None) is not None:  # a client user sees staff as the agency chose
        from app.accounts.queries import names_for_clients

        return names_for_clients(ids)
    ids = {i for i in ids if i}
    if not ids:
        return {}
    with as_agency():  # the staff who asked are outside a client user's scope: their names only
        return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def views_of(approvals: list[ApprovalRequest], viewer=None) -> list[ApprovalView]:
    """Views of the given approval requests, with every name read in one query."""
    if not approvals:
        return []
    ids = [a.id for a in approvals]
    approver_rows = db.session.execute(
        select(ApprovalApprover.approval_id, ApprovalApprover.user_id).where(ApprovalApprover.approval_id.in_(ids)).order_by(ApprovalApprover.id)
    ).all()
    names = _names(
        [r.user_id for r in approver_rows]
        + [a.requested_by_id for a in approvals]
        + [a.decided_by_id for a in approvals]
        + [a.withdrawn_by_id for a in approvals],
        viewer,
    )
    views = []
    for approval in approvals:
        people = sorted(
            (Person(r.user_id, names.get(r.user_id, "A former user")) for r in approver_rows if r.approval_id == approval.id), key=lambda p: p.name
        )
        views.append(
            ApprovalView(
                approval,
                people,
                files_of(approval),
                names.get(approval.requested_by_id),
                names.get(approval.decided_by_id),
                names.get(approval.withdrawn_by_id),
                getattr(viewer, "id", None),
            )
        )
    return views


def task_approvals(task: Task, viewer=None) -> list[ApprovalView]:
    """The task's approval requests as views, newest first."""
    return views_of(approvals_of(task), viewer)


def pending_for(user, *, limit: int = 50) -> list[tuple[ApprovalRequest, Task]]:
    """Pending approval requests on open tasks that name this client user, oldest first."""
    rows = db.session.execute(
        select(ApprovalRequest, Task)
        .join(ApprovalApprover, ApprovalApprover.approval_id == ApprovalRequest.id)
        .join(Task, Task.id == ApprovalRequest.task_id)
        .where(ApprovalApprover.user_id == user.id, ApprovalRequest.status == "pending", Task.closed_at.is_(None))
        .order_by(ApprovalRequest.created_at, ApprovalRequest.id)
        .limit(limit)
    ).all()
    return [(row.ApprovalRequest, row.Task) for row in rows]


def pending_for_stmt(user):
    """The same, as a select of approval requests (for keyset pages)."""
    return (
        select(ApprovalRequest)
        .join(ApprovalApprover, ApprovalApprover.approval_id == ApprovalRequest.id)
        .join(Task, Task.id == ApprovalRequest.task_id)
        .where(ApprovalApprover.user_id == user.id, ApprovalRequest.status == "pending", Task.closed_at.is_(None))
    )


def tasks_of(approvals: list[ApprovalRequest]) -> dict:
    """{task id: task} for the given approval requests."""
    ids = {a.task_id for a in approvals}
    return {t.id: t for t in db.session.scalars(select(Task).where(Task.id.in_(ids)))} if ids else {}
