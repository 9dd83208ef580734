"""Document requests: staff ask a client for named documents by a date, the client uploads, staff accept or reject."""

from __future__ import annotations

from datetime import date, datetime
from typing import BinaryIO

from sqlalchemy import func, select

from app.core import audit, localtime
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from app.notifications.services import notify
from app.work.models import DocumentRequest, DocumentRequestItem, Task
from app.work.queries import documents as queries
from app.work.services import activity, attachments, waiting
from app.work.services.tasks import client_people_ids, request_url, task_url, watcher_ids
from tenants.lookup import get_or_404

MAX_ITEMS = 50
MAX_NAME = 200
MAX_TEXT = 2_000


def _require_agency_user(actor) -> None:
    if actor is None or not actor.is_agency_user:
        raise Forbidden("Only agency staff can ask for and review documents.")


def request_of(task: Task, document_request_id) -> DocumentRequest:
    """The task's request with this id (404 for another task's, client's or agency's)."""
    row = get_or_404(DocumentRequest, document_request_id)
    if row.task_id != task.id:
        raise NotFound()
    return row


def item_of(task: Task, document_item_id) -> DocumentRequestItem:
    """The task's request item with this id (404 for another task's, client's or agency's)."""
    row = get_or_404(DocumentRequestItem, document_item_id)
    if row.task_id != task.id:
        raise NotFound()
    return row


def items_of(request: DocumentRequest) -> list[DocumentRequestItem]:
    return list(
        db.session.scalars(
            select(DocumentRequestItem)
            .where(DocumentRequestItem.request_id == request.id)
            .order_by(DocumentRequestItem.position, DocumentRequestItem.id)
        )
    )


# --- checks ----------------------------------------------------------------------------------


def _clean_name(raw, field: str = "name") -> str:
    name = " ".join(str(raw or "").split())
    if not name:
        raise ValidationFailed("Name the document.", fields={field: ["Required."]})
    if len(name) > MAX_NAME:
        raise ValidationFailed(f"Keep a document's name under {MAX_NAME} characters.", fields={field: [f"At most {MAX_NAME} characters."]})
    return name


def _clean_text(raw, field: str, label: str) -> str | None:
    text = str(raw or "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"Keep the {label} under {MAX_TEXT:,} characters.", fields={field: [f"At most {MAX_TEXT} characters."]})
    return text or None


def _clean_items(raw_items) -> list[tuple[str, str | None]]:
    """Names (and optional notes) from strings or {"name", "note"} mappings; blank lines are skipped."""
    cleaned = []
    for raw in raw_items or []:
        name, note = (raw.get("name"), raw.get("note")) if isinstance(raw, dict) else (raw, None)
        if not str(name or "").strip():
            continue
        cleaned.append((_clean_name(name, "items"), _clean_text(note, "items", "note")))
    if not cleaned:
        raise ValidationFailed("List at least one document to ask for.", fields={"items": ["Name at least one document."]})
    if len(cleaned) > MAX_ITEMS:
        raise ValidationFailed(f"Ask for at most {MAX_ITEMS} documents at once.", fields={"items": [f"At most {MAX_ITEMS} documents."]})
    return cleaned


def _check_due_on(due_on, task: Task) -> date:
    if not isinstance(due_on, date) or isinstance(due_on, datetime):
        raise ValidationFailed("Give the date the documents are due.", fields={"due_on": ["Required: a date."]})
    if due_on < queries.client_today(task.client_id):
        raise ValidationFailed("The due date is in the past.", fields={"due_on": ["Choose today or a later date."]})
    return due_on


def _require_open(request: DocumentRequest) -> None:
    if not request.is_open:
        raise Conflict(f"This request is {request.status}; nothing on it can change.", fields={"status": [request.status]})


# --- asking ----------------------------------------------------------------------------------


def create_request(task: Task, actor, *, title, due_on, items, message=None, wait_on_client: bool = False) -> DocumentRequest:
    """Ask the client for named documents by a date; the client's people are told in the app and by email.

    With `wait_on_client` the task waits on the client (its SLA clock paused) until every document is sent
    (app/work/services/waiting.py). Pages and the API offer it on by default.
    """
    _require_agency_user(actor)
    if not task.is_open:
        raise Conflict("Reopen the task before asking the client for documents.")
    if wait_on_client:
        waiting.check_can_wait(task)
    title = " ".join(str(title or "").split())
    if not title:
        raise ValidationFailed("Say what the documents are for.", fields={"title": ["Required."]})
    if len(title) > MAX_NAME:
        raise ValidationFailed(f"Keep the title under {MAX_NAME} characters.", fields={"title": [f"At most {MAX_NAME} characters."]})
    due_on = _check_due_on(due_on, task)
    names = _clean_items(items)
    now = utcnow()
    request = DocumentRequest(
        task_id=task.id,
        client_id=task.client_id,
        title=title,
        message=_clean_text(message, "message", "message"),
        due_on=due_on,
        status="open",
        requested_by_id=actor.id,
        created_at=now,
        last_reminded_at=now,
    )  # the request's own email is the first reminder
    db.session.add(request)
    db.session.flush()
    for position, (name, note) in enumerate(names):
        db.session.add(
            DocumentRequestItem(
                task_id=task.id, client_id=task.client_id, request_id=request.id, position=position, name=name, note=note, status="missing"
            )
        )
    db.session.flush()
    activity.record(
        task,
        "document_requested",
        actor,
        client_visible=True,
        request=request.id,
        title=title,
        due_on=due_on.isoformat(),
        items=[name for name, _ in names],
    )
    audit.record("task.document_requested", request, client_id=task.client_id, items=len(names), due_on=due_on.isoformat())
    listing = "\n".join(f"• {name}" for name, _ in names)
    notify(
        "document_requested",
        client_people_ids(task, everyone=True),
        title=f"{title}: {len(names)} document{'s' if len(names) != 1 else ''} needed by {localtime.format_day(due_on)}",
        body=f"{request.message}\n\n{listing}" if request.message else listing,
        client_url=request_url(task) + "#documents",
        task=task,
        actor=actor,
    )
    if wait_on_client:
        waiting.hold(task, actor, request, f"asked for the documents “{title}”")
    return request


def _release_when_sent(task: Task, request: DocumentRequest, actor, reason: str) -> None:
    """The client owes nothing more on this request (every document sent, or no longer asked for)."""
    if request.holds_task and not any(item.client_owes for item in items_of(request)):
        waiting.release(task, actor, request, reason)


def add_item(task: Task, request: DocumentRequest, actor, name, note=None) -> DocumentRequestItem:
    _require_agency_user(actor)
    _require_open(request)
    name = _clean_name(name)
    count, last = db.session.execute(
        select(func.count(DocumentRequestItem.id), func.max(DocumentRequestItem.position)).where(DocumentRequestItem.request_id == request.id)
    ).one()
    if count >= MAX_ITEMS:
        raise Conflict(f"A request holds at most {MAX_ITEMS} documents.")
    item = DocumentRequestItem(
        task_id=task.id,
        client_id=task.client_id,
        request_id=request.id,
        position=(last if last is not None else -1) + 1,
        name=name,
        note=_clean_text(note, "note", "note"),
        status="missing",
    )
    db.session.add(item)
    db.session.flush()
    activity.record(task, "document_item_added", actor, client_visible=True, request=request.id, item=item.id, name=name)
    audit.record("task.document_item_added", item, client_id=task.client_id, name=name)
    return item


def remove_item(task: Task, item: DocumentRequestItem, actor) -> None:
    """Stop asking for one document (its file, if any, stays on the task)."""
    _require_agency_user(actor)
    request = request_of(task, item.request_id)
    _require_open(request)
    if db.session.scalar(select(func.count(DocumentRequestItem.id)).where(DocumentRequestItem.request_id == request.id)) <= 1:
        raise Conflict("A request needs at least one document: cancel the request instead.")
    activity.record(task, "document_item_removed", actor, client_visible=True, request=request.id, item=item.id, name=item.name)
    audit.record("task.document_item_removed", item, client_id=task.client_id, name=item.name)
    db.session.delete(item)
    db.session.flush()
    _close_if_complete(task, request, actor)
    _release_when_sent(task, request, actor, f"nothing more is missing from “{request.title}”")


def cancel_request(task: Task, request: DocumentRequest, actor) -> DocumentRequest:
    _require_agency_user(actor)
    _require_open(request)
    request.status, request.closed_at = "cancelled", utcnow()
    activity.record(task, "document_request_cancelled", actor, client_visible=True, request=request.id, title=request.title)
    audit.record("task.document_request_cancelled", request, client_id=task.client_id)
    waiting.release(task, actor, request, f"the document request “{request.title}” was cancelled")
    return request


# --- uploading and reviewing -----------------------------------------------------------------


def upload(
    task: Task, item: DocumentRequestItem, actor, stream: BinaryIO, filename: str | None, declared_type: str | None = None
) -> DocumentRequestItem:
    """Send the file for one item (the client's people, or staff on their behalf); it waits for review.

    A rejected item takes a new file; so does one waiting for review (the newer file replaces it). The file is a
    client-visible attachment of the task, so it shows among the task's files too.
    """
    if not actor.is_agency_user and actor.client_id != task.client_id:
        raise NotFound()
    request = request_of(task, item.request_id)
    _require_open(request)
    if item.status == "accepted":
        raise Conflict(f"“{item.name}” is already accepted.", fields={"file": ["Already accepted."]})
    row = attachments.upload(task, actor, stream, filename, declared_type, client_visible=True)
    replaced = item.attachment_id if item.status == "uploaded" else None
    item.status, item.attachment_id = "uploaded", row.id
    item.uploaded_by_id, item.uploaded_at = actor.id, row.created_at or utcnow()
    item.reviewed_by_id = item.reviewed_at = None
    activity.record(
        task,
        "document_uploaded",
        actor,
        client_visible=True,
        request=request.id,
        item=item.id,
        name=item.name,
        attachment=row.id,
        filename=row.filename,
        replaced=replaced,
    )
    audit.record("task.document_uploaded", item, client_id=task.client_id, attachment_id=row.id, sha256=row.sha256)
    if actor.is_client_user:
        recipients = set(watcher_ids(task)) | ({task.assignee_id} if task.assignee_id else set())
        notify(
            "document_uploaded",
            list(recipients),
            title=f"{actor.name} sent “{item.name}” for {task.reference}: {task.title}",
            body=f"{row.filename}, for the request “{request.title}”. Accept or reject it on the task.",
            url=task_url(task) + "#documents",
            task=task,
            actor=actor,
        )
    _release_when_sent(task, request, actor, f"the client sent every document of “{request.title}”")
    return item


def _review(item: DocumentRequestItem, actor) -> DocumentRequest:
    _require_agency_user(actor)
    request = db.session.scalar(select(DocumentRequest).where(DocumentRequest.id == item.request_id))
    _require_open(request)
    if item.status != "uploaded":
        raise Conflict(f"“{item.name}” has no new file to review.", fields={"status": [item.status]})
    item.reviewed_by_id, item.reviewed_at = actor.id, utcnow()
    return request


def accept(task: Task, item: DocumentRequestItem, actor) -> DocumentRequestItem:
    request = _review(item, actor)
    item.status, item.reject_reason = "accepted", None
    activity.record(
        task, "document_accepted", actor, client_visible=True, request=request.id, item=item.id, name=item.name, attachment=item.attachment_id
    )
    audit.record("task.document_accepted", item, client_id=task.client_id, attachment_id=item.attachment_id)
    _close_if_complete(task, request, actor)
    return item


def reject(task: Task, item: DocumentRequestItem, actor, reason) -> DocumentRequestItem:
    """Turn a file back with a reason; the client is told which document and why, and can send another."""
    reason = _clean_text(reason, "reason", "reason")
    if not reason:
        raise ValidationFailed("Say why the file is rejected, so the client can send the right one.", fields={"reason": ["Required."]})
    request = _review(item, actor)
    item.status, item.reject_reason = "rejected", reason
    activity.record(
        task,
        "document_rejected",
        actor,
        client_visible=True,
        request=request.id,
        item=item.id,
        name=item.name,
        attachment=item.attachment_id,
        reason=reason,
    )
    audit.record("task.document_rejected", item, client_id=task.client_id, attachment_id=item.attachment_id)
    notify(
        "document_requested",
        client_people_ids(task, everyone=True),
        title=f"Please send “{item.name}” again ({task.reference})",
        body=f"{reason}\n\nUpload a new file for “{item.name}” by {localtime.format_day(request.due_on)}.",
        client_url=request_url(task) + "#documents",
        task=task,
        actor=actor,
    )
    return item


def _close_if_complete(task: Task, request: DocumentRequest, actor) -> None:
    statuses = list(db.session.scalars(select(DocumentRequestItem.status).where(DocumentRequestItem.request_id == request.id)))
    if request.is_open and statuses and all(status == "accepted" for status in statuses):
        request.status, request.closed_at = "closed", utcnow()
        activity.record(task, "document_request_completed", actor, client_visible=True, request=request.id, title=request.title)
        audit.record("task.document_request_completed", request, client_id=task.client_id)


# --- reminders -------------------------------------------------------------------------------


def send_reminders(now: datetime | None = None) -> dict:
    """Remind the client's people of open requests with documents still to send.

    Once when the due date is two working days away (see `queries.remind_from`), then on the due date and every day
    after it until every document is accepted: at most one reminder per request per day (in the client's time zone).
    Documents waiting for review are the agency's to act on, so they alone send no reminder. `last_reminded_at` makes
    a rerun (or a catch-up after downtime) send nothing twice.
    """
    now = now or utcnow()
    sent = 0
    for request, task in queries.due_for_reminders(now):
        owed = [item for item in items_of(request) if item.client_owes]
        if not owed:
            continue
        today = queries.client_today(task.client_id, now)
        last = request.last_reminded_at.astimezone(queries.zone_of_client(task.client_id)).date() if request.last_reminded_at else None
        count = f"{len(owed)} document{'s' if len(owed) != 1 else ''}"
        if today >= request.due_on:
            if last is not None and last >= today:
                continue
            kind = "due_today" if today == request.due_on else "overdue"
            title = (
                f"Due today: {count} for {task.reference}"
                if kind == "due_today"
                else f"Overdue: {count} for {task.reference}, due {localtime.format_day(request.due_on)}"
            )
        elif today >= queries.remind_from(request.due_on):
            if last is not None and last >= queries.remind_from(request.due_on):
                continue
            kind, title = "due_soon", f"Reminder: {count} for {task.reference} due {localtime.format_day(request.due_on, 'MMMEd')}"
        else:
            continue
        listing = "\n".join(f"• {item.name}" + (f" (sent back: {item.reject_reason})" if item.status == "rejected" else "") for item in owed)
        notify(
            "document_requested",
            client_people_ids(task, everyone=True),
            title=title,
            body=f"{request.title}\n\n{listing}",
            client_url=request_url(task) + "#documents",
            task=task,
        )
        request.last_reminded_at = now
        activity.record(task, "document_reminder_sent", None, request=request.id, title=request.title, reminder=kind, items=len(owed))
        sent += 1
    db.session.flush()
    return {"reminded": sent}
