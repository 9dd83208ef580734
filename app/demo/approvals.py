"""Demo client approvals: one pending with the client's admin, one approved and one rejected with a comment."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.types import as_of, utcnow
from app.extensions import db
from app.work.models import ApprovalRequest, Task
from app.work.services import approvals, attachments
from tenants.models import Client

# (title, message, file name, how it ends, the client's comment)
APPROVALS = [
    ("Payroll register for this month", "Please check hours, bonuses and leavers before we submit the run.", "payroll-register.csv", "pending", None),
    (
        "Candidate shortlist",
        "Three candidates for the role; approve and we will book the interviews.",
        "shortlist.csv",
        "approve",
        "All three look good, go ahead.",
    ),
    (
        "VAT return draft",
        "The draft return for the quarter, ready to file once you approve it.",
        "vat-return-draft.csv",
        "reject",
        "Sales for the last week are missing: two invoices went out on the 30th.",
    ),
]


def seed_approvals(admin: User) -> int:
    """Ask the first client's users to approve three of its open tasks (once: an agency with approvals is left alone)."""
    if db.session.scalar(select(func.count()).select_from(ApprovalRequest)):
        return 0
    client = db.session.scalar(select(Client).where(Client.archived_at.is_(None)).order_by(Client.name).limit(1))
    if client is None:
        return 0
    people = list(db.session.scalars(select(User).where(User.client_id == client.id, User.deactivated_at.is_(None)).order_by(User.role)))
    open_tasks = list(
        db.session.scalars(
            select(Task).where(Task.client_id == client.id, Task.status.in_(("in_progress", "in_review"))).order_by(Task.number).limit(len(APPROVALS))
        )
    )
    if not people or not open_tasks:
        return 0
    boss = people[0]  # client_admin sorts before client_member
    now = utcnow()
    for (title, message, filename, outcome, comment), task in zip(APPROVALS, open_tasks, strict=False):
        asker = db.session.scalar(select(User).where(User.id == task.assignee_id)) if task.assignee_id else admin
        asked_at = min(now - timedelta(hours=2), max(task.created_at + timedelta(minutes=30), now - timedelta(hours=30)))
        with as_of(asked_at):
            body = f"reference,amount\n{task.reference},{1200 + task.number}.00\n".encode()
            review = attachments.upload(task, asker, io.BytesIO(body), filename, "text/csv", client_visible=True)
            approval = approvals.request_approval(
                task, asker, title=title, message=message, approver_ids=[p.id for p in people], attachment_ids=[review.id]
            )
        if outcome != "pending":
            with as_of(asked_at + (now - asked_at) / 2):
                approvals.decide(task, approval, boss, outcome, comment)
    return min(len(APPROVALS), len(open_tasks))
