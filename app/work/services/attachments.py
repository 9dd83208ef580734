"""Files on a task: type and size limits, storage outside the web root, sha256, and deleting one's own."""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath, PureWindowsPath
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from app.core import audit, storage
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.work.models import ApprovalFile, ApprovalRequest, Attachment, DocumentRequestItem, Task
from app.work.services import activity

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_PDF, _PNG, _JPEG, _GIF, _ZIP, _OLE = b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
_EMPTY_ZIP = b"PK\x05\x06"
_OOXML = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# extension -> (content type we store and serve, content types a browser may send, leading bytes the file must have)
ALLOWED = {
    "pdf": ("application/pdf", {"application/pdf"}, (_PDF,)),
    "png": ("image/png", {"image/png"}, (_PNG,)),
    "jpg": ("image/jpeg", {"image/jpeg", "image/pjpeg"}, (_JPEG,)),
    "jpeg": ("image/jpeg", {"image/jpeg", "image/pjpeg"}, (_JPEG,)),
    "gif": ("image/gif", {"image/gif"}, (_GIF,)),
    "webp": ("image/webp", {"image/webp"}, (b"RIFF",)),
    "doc": ("application/msword", {"application/msword"}, (_OLE,)),
    "xls": ("application/vnd.ms-excel", {"application/vnd.ms-excel"}, (_OLE,)),
    "ppt": ("application/vnd.ms-powerpoint", {"application/vnd.ms-powerpoint"}, (_OLE,)),
    **{ext: (ctype, {ctype}, (_ZIP, _EMPTY_ZIP)) for ext, ctype in _OOXML.items()},
    "odt": ("application/vnd.oasis.opendocument.text", {"application/vnd.oasis.opendocument.text"}, (_ZIP,)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", {"application/vnd.oasis.opendocument.spreadsheet"}, (_ZIP,)),
    "csv": ("text/csv", {"text/csv", "text/plain", "application/csv", "application/vnd.ms-excel"}, ()),
    "txt": ("text/plain", {"text/plain"}, ()),
    "zip": ("application/zip", {"application/zip", "application/x-zip-compressed"}, (_ZIP, _EMPTY_ZIP)),
}
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
ALLOWED_LABEL = "PDF, images (PNG, JPEG, GIF, WebP), Word, Excel, PowerPoint, OpenDocument, CSV, text or ZIP"


def max_bytes() -> int:
    return int(current_app.config.get("MAX_ATTACHMENT_BYTES") or DEFAULT_MAX_BYTES)


def clean_filename(raw: str | None) -> str:
    """The file's own name without any directory part or control characters (it is shown, never used as a path)."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot else name[:255]
    return name


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"file": [message]})


def check_file(filename: str, declared_type: str | None, head: bytes) -> str:
    """Refuse files outside the allowed list; returns the content type to store. `head` is the file's first bytes."""
    if not filename:
        raise _invalid("Choose a file to upload.")
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    if ext not in ALLOWED:
        raise _invalid(f"Files of this type cannot be attached. Allowed: {ALLOWED_LABEL}.")
    content_type, accepted, magic = ALLOWED[ext]
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared not in GENERIC_TYPES and declared not in accepted:
        raise _invalid(f"The file says it is {declared}, which does not match a .{ext} file.")
    if magic and not head.startswith(magic):
        raise _invalid(f"The file's content is not a valid .{ext} file.")
    if not magic and b"\x00" in head:
        raise _invalid(f"A .{ext} file must be plain text.")
    return content_type


def upload(
    task: Task, actor, stream: BinaryIO, filename: str | None, declared_type: str | None = None, *, client_visible: bool = False
) -> Attachment:
    """Check and store an uploaded file and record it on the task."""
    if not actor.is_agency_user and actor.client_id != task.client_id:
        raise NotFound()
    name = clean_filename(filename)
    head = stream.read(64)
    content_type = check_file(name, declared_type, head)
    limit = max_bytes()
    stored = storage.get_storage().save(storage.Rejoined(head, stream), prefix=str(task.agency_id), max_bytes=limit)
    storage.saved_in_unit(db.session, stored.key)
    if stored.size_bytes == 0:
        raise _invalid("The file is empty.")
    row = Attachment(
        task_id=task.id,
        client_id=task.client_id,
        uploaded_by_id=actor.id,
        filename=name,
        content_type=content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        storage_key=stored.key,
        client_visible=True if actor.is_client_user else bool(client_visible),
    )
    db.session.add(row)
    db.session.flush()
    activity.record(task, "attachment_added", actor, client_visible=row.client_visible, attachment=row.id, filename=name, size_bytes=row.size_bytes)
    audit.record("task.attachment_added", row, client_id=task.client_id, filename=name, sha256=row.sha256)
    return row


def open_file(row: Attachment) -> BinaryIO:
    return storage.get_storage().open(row.storage_key)


def delete_attachment(task: Task, row: Attachment, actor) -> None:
    """Delete one's own upload (agency admins may delete any); the file goes once the deletion commits."""
    if row.uploaded_by_id != actor.id and actor.role != "agency_admin":
        raise Forbidden("You can only delete files you uploaded.")
    _keep_approval_evidence(row)
    _detach_from_documents(task, row, actor)
    activity.record(task, "attachment_deleted", actor, client_visible=row.client_visible, attachment=row.id, filename=row.filename)
    audit.record("task.attachment_deleted", row, client_id=task.client_id, filename=row.filename)
    storage.delete_after_commit(db.session, row.storage_key)
    db.session.delete(row)
    db.session.flush()


def _keep_approval_evidence(row: Attachment) -> None:
    """A file the client is asked to approve, or approved or rejected, is the record of that decision: it stays."""
    title = db.session.scalar(
        select(ApprovalRequest.title)
        .join(ApprovalFile, ApprovalFile.approval_id == ApprovalRequest.id)
        .where(ApprovalFile.attachment_id == row.id, ApprovalRequest.status != "withdrawn")
        .limit(1)
    )
    if title is not None:
        raise Conflict(f"This file is part of the approval “{title}”; it cannot be deleted.")


def _detach_from_documents(task: Task, row: Attachment, actor) -> None:
    """A file sent for a document request: an item waiting for review goes back to missing; an accepted one's file stays."""
    for item in db.session.scalars(select(DocumentRequestItem).where(DocumentRequestItem.attachment_id == row.id)):
        if item.status == "accepted":
            raise Conflict(f"This file was accepted as “{item.name}”; it cannot be deleted.")
        if item.status == "uploaded":
            item.status, item.uploaded_at, item.uploaded_by_id = "missing", None, None
            activity.record(
                task,
                "document_file_removed",
                actor,
                client_visible=True,
                request=item.request_id,
                item=item.id,
                name=item.name,
                filename=row.filename,
            )
        item.attachment_id = None
    db.session.flush()
