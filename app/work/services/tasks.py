"""Creating tasks, numbering them, changing their fields and moving them through their statuses."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.catalog.fields import clean_values
from app.catalog.models import ClientService, ServiceLine, TaskType
from app.clients.queries import serves
from app.core import audit
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.ids import new_id
from app.core.types import utcnow
from app.extensions import db
from app.notifications.services import notify
from app.work import events
from app.work.access import audience
from app.work.models import (
    CLOSED_STATUSES,
    PRIORITIES,
    PRIORITY_RANK,
    ApprovalRequest,
    ChecklistItem,
    Comment,
    DocumentRequest,
    Queue,
    QueueMember,
    Task,
    TaskCounter,
    Watcher,
)
from app.work.queries import approvals as approval_queries
from app.work.queries import waiting as waiting_queries
from app.work.services import activity
from tenants.context import current_tenant
from tenants.lookup import get_in_tenant
from tenants.models import Client

# Allowed moves between statuses. Reopening (done -> in_progress, cancelled -> new) is allowed and recorded.
TRANSITIONS = {
    "new": {"in_progress", "waiting_on_client", "in_review", "cancelled"},
    "in_progress": {"waiting_on_client", "in_review", "done", "cancelled"},
    "waiting_on_client": {"in_progress", "cancelled"},
    "in_review": {"in_progress", "done", "cancelled"},
    "done": {"in_progress"},
    "cancelled": {"new"},
}
# What client users may do themselves: withdraw a request nobody has started. (Their answer to a question also
# moves the task from waiting on the client back to in progress: see `answered_by_client`.)
CLIENT_TRANSITIONS = {("new", "cancelled")}
STATUS_LABELS = {
    "new": "New",
    "in_progress": "In progress",
    "waiting_on_client": "Waiting on client",
    "in_review": "In review",
    "done": "Done",
    "cancelled": "Cancelled",
}


def task_url(task: Task) -> str:
    return f"/tasks/{task.id}"


def request_url(task: Task) -> str:
    """The client's view of the task: the portal's request page (client users never get staff links)."""
    return f"/portal/requests/{task.id}"


# --- numbering -------------------------------------------------------------------------------


def allocate_number() -> int:
    """The agency's next task number, safe under concurrency (a row lock on the counter row)."""
    agency_id = current_tenant().agency_id
    bump = (
        update(TaskCounter)
        .where(TaskCounter.agency_id == agency_id)
        .values(next_number=TaskCounter.next_number + 1)
        .returning(TaskCounter.next_number)
    )
    taken = db.session.execute(bump).scalar()
    if taken is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(TaskCounter).values(agency_id=agency_id, id=new_id(), next_number=1001))
        except IntegrityError:
            pass  # another transaction created the counter first
        taken = db.session.execute(bump).scalar()
    return taken - 1


# --- checks ----------------------------------------------------------------------------------


def _require_agency_user(actor) -> None:
    if actor is not None and actor.role not in ("agency_admin", "staff"):
        raise Forbidden("Only agency staff can do that.")


def _active(model, obj_id, field: str, label: str):
    row = get_in_tenant(model, obj_id) if obj_id else None
    if row is None or getattr(row, "archived_at", None) is not None:
        raise ValidationFailed(f"Choose an active {label}.", fields={field: [f"Unknown or archived {label}."]})
    return row


def check_assignee(user_id, task_like) -> User:
    """An assignee is active agency staff who can see the task (admins always can)."""
    user = get_in_tenant(User, user_id)
    if user is None or not user.is_agency_user or user.deactivated_at is not None:
        raise ValidationFailed("Choose an active staff member.", fields={"assignee_id": ["Unknown or inactive staff member."]})
    if user.role == "staff":
        in_queue = db.session.scalar(select(QueueMember.id).where(QueueMember.queue_id == task_like.queue_id, QueueMember.user_id == user.id))
        if not (in_queue and serves(user.id, task_like.client_id)):
            raise ValidationFailed(
                f"{user.name} does not work this queue for this client.",
                fields={"assignee_id": ["Not a member of the queue, or not serving the client."]},
            )
    return user


def _validate_priority(priority: str) -> str:
    if priority not in PRIORITIES:
        raise ValidationFailed("Unknown priority.", fields={"priority": [f"Must be one of: {', '.join(PRIORITIES)}."]})
    return priority


# --- create ----------------------------------------------------------------------------------


def create_task(
    actor,
    *,
    client_id,
    task_type_id,
    title: str,
    description: str | None = None,
    priority: str | None = None,
    queue_id=None,
    assignee_id=None,
    due_at: datetime | None = None,
    custom_values: dict | None = None,
    recurring_schedule_id=None,
    occurrence_date=None,
) -> Task:
    """Create a task for a client: numbered, with its type's checklist, defaults and validated custom values.

    `actor` is None for tasks the system creates (recurring work).
    """
    client = _active(Client, client_id, "client_id", "client")
    if actor is not None and actor.role == "staff" and not serves(actor.id, client.id):
        raise ValidationFailed("Choose a client you serve.", fields={"client_id": ["You do not serve this client."]})
    task_type = _active(TaskType, task_type_id, "task_type_id", "task type")
    service_line = db.session.scalar(select(ServiceLine).where(ServiceLine.id == task_type.service_line_id))
    if not db.session.scalar(
        select(ClientService.id).where(ClientService.client_id == client.id, ClientService.service_line_id == task_type.service_line_id)
    ):
        raise ValidationFailed(
            f"{client.name} does not have the {service_line.name} service.", fields={"task_type_id": ["The client does not have this service."]}
        )
    queue = _active(Queue, queue_id or task_type.default_queue_id, "queue_id", "queue")
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("Give the task a title.", fields={"title": ["Required."]})
    if due_at is not None and due_at.tzinfo is None:
        raise ValidationFailed("Give the deadline with a time zone.", fields={"due_at": ["Needs a time zone."]})
    due_at = due_at.astimezone(UTC) if due_at is not None else None
    priority = _validate_priority(priority or task_type.default_priority)
    number = allocate_number()
    task = Task(
        id=new_id(),
        client_id=client.id,
        task_type_id=task_type.id,
        queue_id=queue.id,
        number=number,
        reference=f"{service_line.code}-{number}",
        title=title[:200],
        description=(description or "").strip() or None,
        priority=priority,
        priority_rank=PRIORITY_RANK[priority],
        status="new",
        due_at=due_at,
        # People fill required fields when they create a task; the system (recurring work) cannot, so for its
        # tasks they are enforced when the task is completed instead.
        custom_values=clean_values(task_type.custom_fields or [], custom_values, partial=actor is None),
        created_by_id=getattr(actor, "id", None),
        recurring_schedule_id=recurring_schedule_id,
        occurrence_date=occurrence_date,
    )
    assignee = check_assignee(assignee_id, task) if assignee_id else None
    task.assignee_id = assignee.id if assignee else None
    db.session.add(task)
    db.session.flush()  # no ORM relationships: the task row must exist before its children are inserted
    for position, item in enumerate(task_type.checklist_template or []):
        db.session.add(
            ChecklistItem(task_id=task.id, client_id=client.id, position=position, title=item["title"][:200], required=bool(item.get("required")))
        )
    for user in {u.id: u for u in (actor if actor is not None and actor.is_agency_user else None, assignee) if u}.values():
        db.session.add(Watcher(task_id=task.id, client_id=client.id, user_id=user.id))
    db.session.flush()
    activity.record(task, "created", actor, client_visible=True, reference=task.reference, recurring=recurring_schedule_id is not None)
    audit.record("task.created", task, client_id=client.id, reference=task.reference)
    events.send(task, "created", actor, task.created_at)
    if assignee is not None:
        _notify_assigned(task, assignee, actor)
    return task


def _notify_assigned(task: Task, assignee: User, actor) -> None:
    notify("assigned", [assignee], title=f"{task.reference} assigned to you: {task.title}", url=task_url(task), task=task, actor=actor)


# --- changes ---------------------------------------------------------------------------------


def watcher_ids(task: Task) -> list:
    """Who watches the task and can still open it (the reach rule), as ids: readable in a client user's scope too."""
    return audience(task, db.session.scalars(select(Watcher.user_id).where(Watcher.task_id == task.id)))


def client_people_ids(task: Task, *, everyone: bool = False) -> list:
    """The task's client users to tell about it: who asked for it and who follows it, or (`everyone`) every active
    user of the client, e.g. when the agency waits on the company's answer."""
    people = select(User.id).where(User.client_id == task.client_id, User.deactivated_at.is_(None), User.password_hash.is_not(None))
    if not everyone:
        following = select(Watcher.user_id).where(Watcher.task_id == task.id)
        people = people.where(User.id.in_(following) | (User.id == task.created_by_id))
    return list(db.session.scalars(people))


def ensure_watching(task: Task, user: User) -> None:
    if not db.session.scalar(select(Watcher.id).where(Watcher.task_id == task.id, Watcher.user_id == user.id)):
        db.session.add(Watcher(task_id=task.id, client_id=task.client_id, user_id=user.id))


def assign(task: Task, actor, assignee_id) -> Task:
    """Assign, reassign (a user id) or unassign (None)."""
    _require_agency_user(actor)
    if not task.is_open:
        raise Conflict("Reopen the task before assigning it.")
    assignee = check_assignee(assignee_id, task) if assignee_id else None
    new_id_ = assignee.id if assignee else None
    if task.assignee_id == new_id_:
        return task
    activity.record(
        task,
        "assigned" if assignee else "unassigned",
        actor,
        previous=task.assignee_id,
        assignee=new_id_,
        assignee_name=assignee.name if assignee else None,
    )
    task.assignee_id = new_id_
    audit.record("task.assigned", task, client_id=task.client_id, assignee_id=str(new_id_) if new_id_ else None)
    if assignee is not None:
        ensure_watching(task, assignee)
        _notify_assigned(task, assignee, actor)
    return task


def _clean_due_at(due_at: datetime | None) -> datetime | None:
    if due_at is not None and due_at.tzinfo is None:
        raise ValidationFailed("Give the deadline with a time zone.", fields={"due_at": ["Needs a time zone."]})
    return due_at.astimezone(UTC) if due_at is not None else None


def _merged_custom_values(task: Task, new_values: dict | None) -> dict:
    task_type = db.session.scalar(select(TaskType).where(TaskType.id == task.task_type_id))
    definitions = task_type.custom_fields or []
    # Stored values of fields the type no longer defines are dropped, not refused as unknown.
    known = {d["key"] for d in definitions}
    kept = {k: v for k, v in (task.custom_values or {}).items() if k in known}
    return clean_values(definitions, {**kept, **(new_values or {})}, partial=True)


def _field_changes(task: Task, values: dict) -> dict:
    """The validated new values of the editable fields given, keeping only those that differ from the task's."""
    changes = {}
    if "title" in values:
        title = (values["title"] or "").strip()
        if not title:
            raise ValidationFailed("Give the task a title.", fields={"title": ["Required."]})
        changes["title"] = title[:200]
    if "description" in values:
        changes["description"] = (values["description"] or "").strip() or None
    if "priority" in values:
        changes["priority"] = _validate_priority(values["priority"])
    if "due_at" in values:
        changes["due_at"] = _clean_due_at(values["due_at"])
    if "queue_id" in values:
        changes["queue_id"] = _active(Queue, values["queue_id"], "queue_id", "queue").id
    if "custom_values" in values:
        changes["custom_values"] = _merged_custom_values(task, values["custom_values"])
    return {k: v for k, v in changes.items() if getattr(task, k) != v}


def _unassign_if_out_of_reach(task: Task, actor) -> None:
    """After a queue change, a staff assignee who no longer works the task's queue for its client is unassigned."""
    assignee = get_in_tenant(User, task.assignee_id)
    if assignee is not None and assignee.role == "staff":
        try:
            check_assignee(assignee.id, task)
        except ValidationFailed:
            activity.record(task, "unassigned", actor, previous=task.assignee_id, reason="queue changed")
            task.assignee_id = None


def update_fields(task: Task, actor, values: dict) -> Task:
    """Edit title, description, priority, deadline, queue or custom values; each change is recorded."""
    _require_agency_user(actor)
    changes = _field_changes(task, values)
    for key, value in changes.items():
        old = getattr(task, key)
        setattr(task, key, value)
        activity.record(
            task,
            f"{key}_changed",
            actor,
            client_visible=key in ("title", "due_at"),
            old=old.isoformat() if isinstance(old, datetime) else old,
            new=value.isoformat() if isinstance(value, datetime) else value,
        )
    if changes:
        audit.record("task.updated", task, client_id=task.client_id, fields=sorted(changes))
    if "priority" in changes:
        task.priority_rank = PRIORITY_RANK[task.priority]
    if {"priority", "due_at"} & set(changes):
        events.send(task, "terms", actor, utcnow(), fields=sorted({"priority", "due_at"} & set(changes)))
    if "queue_id" in changes and task.assignee_id:
        _unassign_if_out_of_reach(task, actor)
    return task


def missing_required_fields(task: Task) -> list[str]:
    """Labels of the task type's required custom fields that have no value on the task."""
    task_type = db.session.scalar(select(TaskType).where(TaskType.id == task.task_type_id))
    values = task.custom_values or {}
    return [d.get("label") or d["key"] for d in (task_type.custom_fields or []) if d.get("required") and values.get(d["key"]) in (None, "")]


def answered_by_client(task: Task, actor) -> Task:
    """A client user answered while the agency waited on them: the work resumes (and so does its SLA clock).

    Unless the task still waits for something else asked of the client (documents, a decision): see
    app/work/services/waiting.py for the rule.
    """
    if task.status != "waiting_on_client" or not actor.is_client_user:
        return task
    task.awaiting_answer = False
    if waiting_queries.outstanding_asks(task):
        return task
    return transition(task, actor, "in_progress", reason="the client answered", _answer=True)


def _release_waiting_holds(task: Task) -> None:
    """The task left waiting on the client: nothing asked before may move it back later."""
    task.awaiting_answer = False
    for model in (DocumentRequest, ApprovalRequest):
        db.session.execute(
            update(model)
            .where(model.task_id == task.id, model.holds_task.is_(True))
            .values(holds_task=False)
            .execution_options(synchronize_session="fetch")
        )


def _check_move(actor, frm: str, to: str, *, answer: bool) -> None:
    """The move must be one the workflow allows, and one a client user may make when a client user makes it."""
    if to not in TRANSITIONS[frm]:
        raise Conflict(
            f"A task that is {STATUS_LABELS[frm].lower()} cannot become {STATUS_LABELS[to].lower()}.",
            fields={"status": [f"Allowed next: {', '.join(sorted(TRANSITIONS[frm])) or 'none'}."]},
        )
    if actor is not None and actor.is_client_user and (frm, to) not in CLIENT_TRANSITIONS and not answer:
        raise Forbidden("Only the agency can change this task's status.")


def _check_can_complete(task: Task) -> None:
    """A task is done only once no approval blocks it, its required checklist items are ticked and required fields filled."""
    latest = approval_queries.latest_approval(task)
    if latest is not None and latest.status in approval_queries.BLOCKING_STATUSES:
        raise Conflict(approval_queries.APPROVAL_NEEDED, fields={"approval": [f"The latest approval request (“{latest.title}”) is {latest.status}."]})
    open_required = db.session.scalar(
        select(ChecklistItem.id).where(ChecklistItem.task_id == task.id, ChecklistItem.required.is_(True), ChecklistItem.done_at.is_(None))
    )
    if open_required:
        raise Conflict("Tick every required checklist item before completing the task.", fields={"checklist": ["Required items are still open."]})
    missing = missing_required_fields(task)
    if missing:
        raise Conflict(
            f"Fill in the required fields before completing the task: {', '.join(missing)}.",
            fields={"custom_values": {key: ["Required."] for key in missing}},
        )


def _notify_status_changed(task: Task, actor, to: str, message: str | None, reason: str | None) -> None:
    waiting = to == "waiting_on_client"
    # An ask that moves the task to waiting already told the client what it needs (its own notification).
    told_already = waiting and reason is not None
    notify(
        "status_changed",
        watcher_ids(task) + ([] if told_already else client_people_ids(task, everyone=waiting)),
        title=f"{task.reference} is now {STATUS_LABELS[to].lower()}: {task.title}",
        body=((message or "").strip() or None) if waiting and not reason else (reason[:1].upper() + reason[1:] + "." if reason else None),
        url=task_url(task),
        client_url=request_url(task),
        task=task,
        actor=actor,
    )


def transition(task: Task, actor, to: str, *, message: str | None = None, reason: str | None = None, _answer: bool = False) -> Task:
    """Move a task to another status, if the move is allowed and the actor may make it.

    `message`, when given, is posted as a client-visible comment (the question when waiting on the client).
    `reason` says why an ask moved it (documents or an approval asked for, or the client's reply): it stands in for
    the question and is kept in the timeline; the client hears of the ask itself, not of the move.
    """
    if to not in TRANSITIONS:
        raise ValidationFailed("Unknown status.", fields={"status": [f"Must be one of: {', '.join(TRANSITIONS)}."]})
    frm = task.status
    if to == frm:
        return task
    _check_move(actor, frm, to, answer=_answer)
    if to == "done":
        _check_can_complete(task)
    if to == "waiting_on_client" and not (message or "").strip() and not reason:
        raise ValidationFailed("Ask the client your question.", fields={"message": ["Required when waiting on the client."]})
    now = utcnow()
    task.status = to
    task.closed_at = now if to in CLOSED_STATUSES else None
    if frm == "waiting_on_client":
        _release_waiting_holds(task)
    if to == "waiting_on_client" and (message or "").strip():
        task.awaiting_answer = True
    kind = "reopened" if frm in CLOSED_STATUSES else "status_changed"
    activity.record(task, kind, actor, client_visible=True, old=frm, new=to, **({"reason": reason} if reason else {}))
    audit.record("task.status_changed", task, client_id=task.client_id, old=frm, new=to)
    if message and message.strip():
        db.session.add(
            Comment(task_id=task.id, client_id=task.client_id, author_id=getattr(actor, "id", None), body=message.strip(), client_visible=True)
        )
    events.send(task, "status", actor, now, old=frm, new=to)
    _notify_status_changed(task, actor, to, message, reason)
    return task
