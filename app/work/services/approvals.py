"""Client approvals on a task: staff ask named client users to approve, withdraw the ask; an approver approves or rejects.

A new request while one is pending on the same task is refused (422): withdraw the pending one first, so every ask
has a clear outcome. Completing a task whose latest request is pending or rejected is refused by
`app.work.services.tasks.transition`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from app.notifications.services import notify
from app.work.models import ApprovalApprover, ApprovalFile, ApprovalRequest, Task
from app.work.queries import approvals as queries
from app.work.queries.attachments import reviewable_files
from app.work.queries.people import eligible_approvers
from app.work.services import activity, waiting
from app.work.services.tasks import ensure_watching, request_url, task_url, watcher_ids

MAX_MESSAGE = 10_000
DECISIONS = {"approve": "approved", "reject": "rejected"}


def _require_staff(actor) -> None:
    if actor is None or not actor.is_agency_user:
        raise Forbidden("Only agency staff can ask for or withdraw a client's approval.")


def _ids(values, field: str, label: str) -> list[uuid.UUID]:
    out = []
    for value in values or []:
        try:
            out.append(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            raise ValidationFailed(f"Choose {label} from the list.", fields={field: [f"Unknown {label}."]}) from None
    return list(dict.fromkeys(out))


def _clean_text(value, field: str, *, required: str | None = None, limit: int = MAX_MESSAGE) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationFailed(required, fields={field: ["Required."]})
        return None
    if len(text) > limit:
        raise ValidationFailed(f"Keep it under {limit:,} characters.", fields={field: [f"At most {limit} characters."]})
    return text


def _chosen_approvers(task: Task, approver_ids) -> tuple[list[uuid.UUID], dict]:
    """The named approvers' ids in order, and the task's eligible approvers by id (422 unless all are eligible)."""
    chosen = _ids(approver_ids, "approver_ids", "approver")
    if not chosen:
        raise ValidationFailed("Choose who may approve.", fields={"approver_ids": ["Choose at least one of the client's users."]})
    eligible = {user.id: user for user in eligible_approvers(task)}
    unknown = [i for i in chosen if i not in eligible]
    if unknown:
        raise ValidationFailed(
            "Approvers must be active users of the task's client.", fields={"approver_ids": ["Not an active user of this client."]}
        )
    return chosen, eligible


def _files_to_review(task: Task, attachment_ids) -> list[uuid.UUID]:
    """The files named for review: only this task's client-visible files (422 otherwise)."""
    file_ids = _ids(attachment_ids, "attachment_ids", "file")
    reviewable = {row.id for row in reviewable_files(task)}
    if any(i not in reviewable for i in file_ids):
        raise ValidationFailed(
            "Files to review must be this task's files that the client can see.",
            fields={"attachment_ids": ["Not a client-visible file of this task."]},
        )
    return file_ids


def request_approval(
    task: Task, actor, *, title: str, message: str | None = None, approver_ids=(), attachment_ids=(), wait_on_client: bool = False
) -> ApprovalRequest:
    """Ask named client users of the task's client to approve something on the task, optionally with files to review.

    With `wait_on_client` the task waits on the client (its SLA clock paused) until the request is decided or
    withdrawn (app/work/services/waiting.py). Pages and the API offer it on by default.
    """
    _require_staff(actor)
    if not task.is_open:
        raise Conflict("Reopen the task before asking for the client's approval.")
    if wait_on_client:
        waiting.check_can_wait(task)
    title = _clean_text(title, "title", required="Say what the client is asked to approve.", limit=200)
    message = _clean_text(message, "message")
    chosen, eligible = _chosen_approvers(task, approver_ids)
    file_ids = _files_to_review(task, attachment_ids)
    if queries.pending_approval(task) is not None:
        raise ValidationFailed(
            "This task already waits for an approval: withdraw it before asking again.", fields={"approval": ["An approval request is pending."]}
        )
    approval = ApprovalRequest(task_id=task.id, client_id=task.client_id, title=title, message=message, requested_by_id=actor.id, status="pending")
    try:
        with db.session.begin_nested():
            db.session.add(approval)
            db.session.flush()
    except IntegrityError:  # another request was made at the same moment: the partial unique index kept one
        raise ValidationFailed(
            "This task already waits for an approval: withdraw it before asking again.", fields={"approval": ["An approval request is pending."]}
        ) from None
    for user_id in chosen:
        db.session.add(ApprovalApprover(approval_id=approval.id, client_id=task.client_id, user_id=user_id))
    for attachment_id in file_ids:
        db.session.add(ApprovalFile(approval_id=approval.id, client_id=task.client_id, attachment_id=attachment_id))
    db.session.flush()
    names = [eligible[i].name for i in chosen]
    activity.record(task, "approval_requested", actor, client_visible=True, approval=approval.id, title=title, approvers=names)
    audit.record(
        "task.approval_requested",
        approval,
        client_id=task.client_id,
        actor_id=actor.id,
        actor_email=actor.email,
        task_id=task.id,
        title=title,
        approver_ids=[str(i) for i in chosen],
        attachment_ids=[str(i) for i in file_ids],
    )
    ensure_watching(task, actor)
    notify(
        "approval_requested",
        [eligible[i] for i in chosen],
        title=f"{task.reference}: your approval is needed: {title}"[:200],
        body=message,
        client_url=request_url(task),
        task=task,
        actor=actor,
    )
    if wait_on_client:
        waiting.hold(task, actor, approval, f"asked for a decision on “{title}”")
    return approval


def withdraw(task: Task, approval: ApprovalRequest, actor) -> ApprovalRequest:
    """Take back a pending request; the task no longer waits for it (and may be completed without it)."""
    _require_staff(actor)
    if approval.task_id != task.id:
        raise NotFound()
    if approval.status != "pending":
        raise Conflict(f"Only a pending request can be withdrawn; this one is {approval.status}.")
    approval.status = "withdrawn"
    approval.withdrawn_by_id = actor.id
    approval.withdrawn_at = utcnow()
    activity.record(task, "approval_withdrawn", actor, client_visible=True, approval=approval.id, title=approval.title)
    audit.record(
        "task.approval_withdrawn",
        approval,
        client_id=task.client_id,
        actor_id=actor.id,
        actor_email=actor.email,
        task_id=task.id,
        withdrawn_at=approval.withdrawn_at.isoformat(),
    )
    db.session.flush()
    approver_ids = list(db.session.scalars(select(ApprovalApprover.user_id).where(ApprovalApprover.approval_id == approval.id)))
    notify(
        "approval_requested",
        approver_ids,
        title=f"{task.reference}: your approval is no longer needed: {approval.title}"[:200],
        body=f"{actor.name} withdrew the request; there is nothing for you to decide.",
        client_url=request_url(task),
        task=task,
        actor=actor,
    )
    waiting.release(task, actor, approval, f"the approval request “{approval.title}” was withdrawn")
    return approval


def decide(task: Task, approval: ApprovalRequest, actor, decision: str, comment: str | None = None) -> ApprovalRequest:
    """A named approver approves (comment optional) or rejects (comment required) a pending request."""
    if approval.task_id != task.id:
        raise NotFound()
    if not actor.is_client_user:
        raise Forbidden("Only the client users named on the request can decide it.")
    if actor.client_id != task.client_id:
        raise NotFound()
    if actor.id not in queries.approver_ids(approval):
        raise Forbidden("You are not named as an approver of this request.")
    if decision not in DECISIONS:
        raise ValidationFailed("Approve or reject.", fields={"decision": ["Must be approve or reject."]})
    if approval.status != "pending":
        raise Conflict(f"This request is already {queries.STATUS_LABELS.get(approval.status, approval.status).lower()}.")
    comment = _clean_text(comment, "comment", required="Say why you reject it, so the team can put it right." if decision == "reject" else None)
    now = utcnow()
    approval.status = DECISIONS[decision]
    approval.decided_by_id = actor.id
    approval.decided_at = now
    approval.decision_comment = comment
    activity.record(task, f"approval_{approval.status}", actor, client_visible=True, approval=approval.id, title=approval.title, comment=comment)
    audit.record(
        f"task.approval_{approval.status}",
        approval,
        client_id=task.client_id,
        actor_id=actor.id,
        actor_email=actor.email,
        task_id=task.id,
        decided_at=now.isoformat(),
        comment=comment,
    )
    db.session.flush()
    verb = "approved" if approval.status == "approved" else "rejected"
    notify(
        "approval_decided",
        [task.assignee_id, *watcher_ids(task)],
        title=f"{task.reference} {verb} by {actor.name}: {approval.title}"[:200],
        body=comment,
        url=task_url(task),
        task=task,
        actor=actor,
    )
    waiting.release(task, actor, approval, f"the client {verb} “{approval.title}”")
    return approval


def approval_for(task: Task, approval_id) -> ApprovalRequest:
    """The task's approval request with this id; 404 for anything else."""
    approval = queries.approval_of(task, approval_id)
    if approval is None:
        raise NotFound()
    return approval
