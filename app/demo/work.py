"""Demo work for one agency: queue members, a few hundred tasks in every state, comments, files, documents, time and schedules."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import func, select

from app.accounts.models import User
from app.catalog.models import ClientService, TaskType
from app.clients.models import ClientStaff
from app.core.types import as_of, utcnow
from app.demo.documents import seed_documents
from app.extensions import db
from app.sla import sweep
from app.work.models import PRIORITIES, ChecklistItem, Queue, QueueMember, Task
from app.work.services import activity, attachments, comments, recurrence, tasks, time
from tenants.models import Client

# Which service lines (by code) each staff member works; admins work every queue.
SPECIALTIES = {
    "sam": ("BK", "CP"),
    "priya": ("PR",),
    "tom": ("RC", "PR"),
    "leo": ("BK",),
    "mia": ("CP", "BK"),
    "noah": ("RC", "PR"),
}
# How the demo tasks spread over the statuses.
STATUS_MIX = ["new"] * 4 + ["in_progress"] * 5 + ["waiting_on_client"] * 2 + ["in_review"] * 2 + ["done"] * 6 + ["cancelled"]
QUESTIONS = [
    "Could you send the October bank statements for the main account?",
    "Please confirm the pay date for this run.",
    "Two invoices have no purchase order. Can you tell us which cost centre they belong to?",
]
INTERNAL_NOTES = [
    "Variance on the payroll control account is from the bonus accrual; fixed in the journal.",
    "Client usually replies within a day; chase on Friday if nothing comes back.",
    "Use last quarter's working paper as the template.",
]
CLIENT_NOTES = ["All reconciled. Summary attached.", "We've started on this and will update you tomorrow.", "Filed and acknowledged."]


def _queue_members(staff: dict) -> None:
    queues = {q.service_line_id: q for q in db.session.scalars(select(Queue))}
    from app.catalog.models import ServiceLine

    lines = {line.code: line.id for line in db.session.scalars(select(ServiceLine))}
    for local, user in staff.items():
        codes = lines.keys() if user.role == "agency_admin" else SPECIALTIES.get(local, ())
        for code in codes:
            queue = queues.get(lines.get(code))
            if queue is None:
                continue
            if not db.session.scalar(select(QueueMember.id).where(QueueMember.queue_id == queue.id, QueueMember.user_id == user.id)):
                db.session.add(QueueMember(queue_id=queue.id, user_id=user.id))
    db.session.flush()


def _eligible(task: Task, people: list[User]) -> list[User]:
    out = []
    for user in people:
        try:
            tasks.check_assignee(user.id, task)
            out.append(user)
        except Exception:  # noqa: BLE001 - not eligible is the expected answer for many pairs
            continue
    return out


def _custom_values(definitions: list[dict], rng: random.Random) -> dict:
    """Plausible values for a task type's custom fields."""
    values = {}
    for d in definitions:
        kind = d["type"]
        if kind == "date":
            values[d["key"]] = (date.today() - timedelta(days=rng.randint(0, 60))).isoformat()
        elif kind == "number":
            values[d["key"]] = rng.randint(3, 120)
        elif kind == "money":
            values[d["key"]] = f"{rng.randint(500, 250000)}.00"
        elif kind == "choice":
            values[d["key"]] = rng.choice(d["choices"])
        elif kind == "yes_no":
            values[d["key"]] = rng.random() < 0.5
        else:
            values[d["key"]] = "See the working papers."
    return values


def _tick_required(task: Task, actor: User) -> None:
    for item in db.session.scalars(select(ChecklistItem).where(ChecklistItem.task_id == task.id, ChecklistItem.done_at.is_(None))):
        item.done_at = utcnow()
        item.done_by_id = actor.id


# How long ago tasks in each status were opened (hours, uniform in the range).
AGE_HOURS = {"new": (0.5, 20), "in_progress": (1, 36), "waiting_on_client": (3, 120), "in_review": (2, 48), "done": (6, 1000), "cancelled": (6, 1000)}


class _History:
    """A task's made-up past: each step happens a little after the last, never after now."""

    def __init__(self, start, now, rng: random.Random):
        self.at, self.now, self.rng = start, now, rng

    def later(self, low_hours: float, high_hours: float):
        step = timedelta(minutes=self.rng.randint(int(low_hours * 60), max(int(high_hours * 60), int(low_hours * 60) + 1)))
        self.at = min(self.at + step, self.now - timedelta(minutes=1))
        return as_of(self.at)


def _office_hours(instant, now, rng: random.Random):
    """Most work arrives in office hours: move an instant outside them to a weekday between 09:00 and 16:00 UTC."""
    if instant.weekday() < 5 and 9 <= instant.hour < 16:
        return instant
    moved = instant - timedelta(days=max(0, instant.weekday() - 4))
    moved = moved.replace(hour=rng.randint(9, 15), minute=rng.randint(0, 59))
    return moved if moved <= now else instant


def seed_work(staff: dict, rng: random.Random) -> int:
    """Create the demo work once (an agency that has tasks already is left alone). Returns the tasks made.

    Every task is played from its opening to its current status at made-up past instants (`as_of`), so its
    SLA clocks, pauses, warnings and breaches are those a real history would have left.
    """
    if db.session.scalar(select(func.count()).select_from(Task)):
        return 0
    _queue_members(staff)
    admin = staff["admin"]
    people = [u for k, u in staff.items() if k != "admin"]
    now = utcnow()
    made = 0
    for client in db.session.scalars(select(Client).where(Client.archived_at.is_(None)).order_by(Client.name)).all():
        served = [
            u for u in people if db.session.scalar(select(ClientStaff.id).where(ClientStaff.client_id == client.id, ClientStaff.user_id == u.id))
        ]
        requesters = list(db.session.scalars(select(User).where(User.client_id == client.id).order_by(User.email)))
        line_ids = set(db.session.scalars(select(ClientService.service_line_id).where(ClientService.client_id == client.id)))
        types = db.session.scalars(
            select(TaskType).where(TaskType.service_line_id.in_(line_ids), TaskType.archived_at.is_(None)).order_by(TaskType.name)
        ).all()
        for task_type in types:
            for n in range(rng.randint(5, 9)):
                status = rng.choice(STATUS_MIX)
                opened = _office_hours(now - timedelta(minutes=int(rng.uniform(*AGE_HOURS[status]) * 60)), now, rng)
                history = _History(opened, now, rng)
                due = opened + timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 8)) if rng.random() < 0.6 else None
                # About a third of the work is asked for by the client (those requests owe a first response).
                requester = rng.choice(requesters) if requesters and rng.random() < 0.35 else admin
                with as_of(opened):
                    task = tasks.create_task(
                        requester,
                        client_id=client.id,
                        task_type_id=task_type.id,
                        title=f"{task_type.name} — {client.name} #{n + 1}",
                        priority=rng.choice(PRIORITIES + ("normal", "normal")),
                        due_at=due,
                        description=f"{task_type.description or task_type.name} for {client.name}.",
                        custom_values=_custom_values(task_type.custom_fields or [], rng),
                    )
                made += 1
                assignable = _eligible(task, served + [admin])
                assignee = rng.choice(assignable) if assignable and (status != "new" or rng.random() < 0.5) else None
                if assignee is not None:
                    with as_of(opened):  # assigned as it arrived, so the timeline reads in order
                        task.assignee_id = assignee.id
                        tasks.ensure_watching(task, assignee)
                        activity.record(task, "assigned", admin, assignee=assignee.id, assignee_name=assignee.name)
                worker = assignee or admin
                _play(task, status, worker, admin, requester, history, rng)
                if status in ("in_progress", "in_review", "done") and assignee is not None:
                    for back in range(rng.randint(1, 3)):
                        time.create_entry(
                            assignee,
                            task,
                            {
                                "work_date": (now - timedelta(days=back + rng.randint(0, 5))).date(),
                                "minutes": rng.choice((15, 30, 45, 60, 90, 120)),
                                "billable": rng.random() < 0.85,
                                "note": "Prepared and checked the working papers.",
                            },
                        )
                if status == "done" and rng.random() < 0.3:
                    body = f"reference,amount\n{task.reference},{rng.randint(100, 9000)}.00\n".encode()
                    attachments.upload(task, worker, io.BytesIO(body), f"{task.reference}-summary.csv", "text/csv", client_visible=True)
    seed_documents(admin)
    _schedules(admin, rng)
    db.session.flush()
    sweep.record_crossings(now)  # warnings and breaches of the made-up history, each at its true time
    return made


def _play(task: Task, status: str, worker: User, admin: User, requester: User, history: _History, rng: random.Random) -> None:
    """Move the task from new to `status` through the steps a real one takes, each at its own past instant."""
    if requester.is_client_user and status != "cancelled":
        with history.later(0.2, 6):  # the first reply: sometimes quick, sometimes late
            comments.add_comment(task, worker, rng.choice(CLIENT_NOTES[1:2] + ["Thanks, we have this and will start shortly."]), client_visible=True)
    if status == "cancelled":
        with history.later(1, 48):
            tasks.transition(task, admin, "cancelled")
        return
    if status == "new":
        return
    with history.later(0.2, 6):
        tasks.transition(task, worker, "in_progress")
    if status == "waiting_on_client" or (status in ("in_review", "done") and rng.random() < 0.4):
        with history.later(0.5, 8):
            tasks.transition(task, worker, "waiting_on_client", message=rng.choice(QUESTIONS))
        if status == "waiting_on_client":
            return
        with history.later(1, 30):
            comments.add_comment(
                task, requester if requester.is_client_user else worker, "Here you go — sent over this morning.", client_visible=True
            )
            tasks.transition(task, worker, "in_progress")
    if rng.random() < 0.5:
        with history.later(0.2, 4):
            comments.add_comment(task, worker, rng.choice(INTERNAL_NOTES))
    if status in ("in_review", "done"):
        with history.later(1, 10):
            tasks.transition(task, worker, "in_review")
    if status == "done":
        with history.later(0.5, 8):
            _tick_required(task, worker)
            if rng.random() < 0.5:
                comments.add_comment(task, worker, rng.choice(CLIENT_NOTES), client_visible=True)
            tasks.transition(task, worker, "done")


def _schedules(admin: User, rng: random.Random) -> None:
    """A few running schedules per client, then the generator creates what is due now (and catches up)."""
    names = {
        "Month-end close": {"frequency": "monthly_last_working_day", "lead_days": 5},
        "Payroll run": {"frequency": "monthly_day", "day_of_month": 25, "lead_days": 7},
        "Quarterly VAT return": {"frequency": "quarterly", "day_of_month": 7, "month": 1, "lead_days": 14},
    }
    types = {t.name: t for t in db.session.scalars(select(TaskType))}
    start = date.today().replace(day=1) - timedelta(days=40)
    for client in db.session.scalars(select(Client).where(Client.archived_at.is_(None))).all():
        line_ids = set(db.session.scalars(select(ClientService.service_line_id).where(ClientService.client_id == client.id)))
        for name, rule in names.items():
            task_type = types.get(name)
            if task_type is None or task_type.service_line_id not in line_ids:
                continue
            recurrence.create_schedule(
                admin, {"client_id": client.id, "task_type_id": task_type.id, "title": name, "starts_on": start, "due_time": "17:00", **rule}
            )
    # The generator ran every morning of the made-up past, so each occurrence was created on its day ...
    now, day = utcnow(), start
    while day < now.date():
        morning = datetime.combine(day, clock_time(6), tzinfo=UTC)
        with as_of(morning):
            recurrence.generate_due_tasks(morning)
        day += timedelta(days=1)
    recurrence.generate_due_tasks(now)
    # ... and the agency kept up: what fell due before now was done in time.
    for task in db.session.scalars(select(Task).where(Task.recurring_schedule_id.is_not(None), Task.status == "new", Task.due_at < now)).all():
        _worked_in_time(task, admin, now, rng)


def _worked_in_time(task: Task, admin: User, now: datetime, rng: random.Random) -> None:
    """Start a recurring task the day it arrives and finish it before its SLA or deadline, whichever comes first."""
    started = task.created_at + timedelta(hours=rng.randint(1, 6))
    promised = min(d for d in (task.resolution_due_at, task.due_at, now - timedelta(minutes=5)) if d is not None)
    finished = max(started + timedelta(minutes=30), promised - timedelta(hours=rng.randint(1, 4)))
    if finished >= now:
        return
    with as_of(started):
        tasks.transition(task, admin, "in_progress")
    with as_of(finished):
        task_type = db.session.scalar(select(TaskType).where(TaskType.id == task.task_type_id))
        task.custom_values = {**_custom_values(task_type.custom_fields or [], rng), **(task.custom_values or {})}
        _tick_required(task, admin)
        tasks.transition(task, admin, "done")
