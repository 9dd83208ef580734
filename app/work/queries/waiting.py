"""What a task waiting on the client still waits for: its outstanding asks (see app/work/services/waiting.py)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.work.models import ApprovalRequest, DocumentRequest, Task


def outstanding_asks(task: Task) -> list[str]:
    """The asks that hold the task waiting on the client, as people read them; empty when none does."""
    asks = ["an answer to the question"] if task.awaiting_answer else []
    asks += [
        f"the documents “{title}”"
        for title in db.session.scalars(
            select(DocumentRequest.title)
            .where(DocumentRequest.task_id == task.id, DocumentRequest.holds_task.is_(True), DocumentRequest.status == "open")
            .order_by(DocumentRequest.created_at)
        )
    ]
    asks += [
        f"a decision on “{title}”"
        for title in db.session.scalars(
            select(ApprovalRequest.title)
            .where(ApprovalRequest.task_id == task.id, ApprovalRequest.holds_task.is_(True), ApprovalRequest.status == "pending")
            .order_by(ApprovalRequest.created_at)
        )
    ]
    return asks
