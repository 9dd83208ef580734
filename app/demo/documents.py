"""Demo document requests on a few open tasks, so every state shows: missing, sent, rejected with a reason, accepted."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core.types import as_of, utcnow
from app.extensions import db
from app.work.models import OPEN_STATUSES, Task
from app.work.services import documents
from tenants.models import Client

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CSV = b"date,description,amount\n2026-10-01,Opening balance,1200.00\n2026-10-03,Card sales,845.20\n"
# (title, days until due, [(document, what happens to it)]); "missing" | "sent" | "rejected: reason" | "accepted".
SCENARIOS = [
    (
        "Month-end documents",
        3,
        [("October bank statements", "sent"), ("Card terminal summary", "missing"), ("Supplier invoices over 500", "missing")],
    ),
    (
        "Payroll changes",
        2,
        [("New starter forms", "rejected: The form is unsigned; please sign page 2 and send it again."), ("Overtime sheet", "accepted")],
    ),
    ("Year-end pack", 10, [("Fixed asset register", "accepted"), ("Loan statement", "accepted")]),
]


def _file(name: str) -> tuple[bytes, str, str]:
    stem = name.lower().replace(" ", "-")
    return (CSV, f"{stem}.csv", "text/csv") if "sheet" in name.lower() or "summary" in name.lower() else (PDF, f"{stem}.pdf", "application/pdf")


def seed_documents(admin: User) -> int:
    """Ask for documents on open tasks, each step at a past instant: the first client (the one the demo's client users
    sign in to, by name) gets the open and the sent-back requests, another client the completed one."""
    now = utcnow()
    made = 0
    first = db.session.scalar(select(Client.id).where(Client.archived_at.is_(None)).order_by(Client.name).limit(1))
    candidates = db.session.scalars(
        select(Task).where(Task.status.in_(OPEN_STATUSES)).order_by((Task.client_id != first).asc(), Task.created_at)
    ).all()
    per_client: dict = {}
    for task in candidates:
        if made == len(SCENARIOS):
            break
        if per_client.get(task.client_id, 0) >= (2 if task.client_id == first else 1):
            continue
        person = db.session.scalar(select(User).where(User.client_id == task.client_id, User.role == "client_admin"))
        if person is None:
            continue
        per_client[task.client_id] = per_client.get(task.client_id, 0) + 1
        title, due_in, items = SCENARIOS[made]
        asked_at = max(task.created_at, now - timedelta(days=4))

        def later(hours: float, asked_at=asked_at):
            return as_of(min(asked_at + timedelta(hours=hours), now - timedelta(minutes=1)))

        with as_of(asked_at):
            request = documents.create_request(
                task,
                admin,
                title=title,
                due_on=now.date() + timedelta(days=due_in),
                items=[name for name, _ in items],
                message="Upload each one below, please.",
            )
        for offset, (item, (name, fate)) in enumerate(zip(documents.items_of(request), items, strict=True)):
            if fate == "missing":
                continue
            data, filename, content_type = _file(name)
            with later(2 + offset):
                documents.upload(task, item, person, io.BytesIO(data), filename, content_type)
            with later(5 + offset):
                if fate == "accepted":
                    documents.accept(task, item, admin)
                elif fate.startswith("rejected: "):
                    documents.reject(task, item, admin, fate.removeprefix("rejected: "))
        made += 1
    return made
