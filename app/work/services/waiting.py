"""Waiting on the client, whatever the form: an ask (a question, documents, an approval) holds the task waiting.

The rule. A task waits on the client (its SLA resolution clock paused) while at least one of its asks holds it:

- the question staff asked when they moved it to waiting on the client, until a client user answers (comments);
- a document request made with "wait on the client", until the client has sent a file for every document on it
  (none missing or sent back), or the request is cancelled or its last missing document removed;
- an approval request made with "wait on the client", until it is approved, rejected or withdrawn.

When the last hold is released and the task is still waiting on the client, it moves back to in progress through
the normal transition, so the SLA clock resumes and the timeline says why. A task moved out of waiting on the
client by hand releases every hold (`tasks.transition`), so a later upload or decision never moves a task that
someone has moved elsewhere. A file sent back after the task resumed does not put it back to waiting: staff ask again.
"""

from __future__ import annotations

from app.core.errors import Conflict
from app.extensions import db
from app.work.models import Task
from app.work.queries.waiting import outstanding_asks
from app.work.services import tasks

# Statuses from which an ask can move the task to waiting on the client (or keep it there).
CAN_WAIT = ("new", "in_progress", "waiting_on_client")


def check_can_wait(task: Task) -> None:
    """Refuse before anything is written: a task in review cannot wait on the client."""
    if task.status not in CAN_WAIT:
        label = tasks.STATUS_LABELS[task.status].lower()
        raise Conflict(
            f"A task that is {label} cannot wait on the client: move it back to in progress first, or ask without waiting on the client.",
            fields={"wait_on_client": [f"Not possible while the task is {label}."]},
        )


def hold(task: Task, actor, ask, reason: str) -> None:
    """Make `ask` hold the task waiting on the client, moving it there if it is not already."""
    check_can_wait(task)
    ask.holds_task = True
    db.session.flush()
    if task.status != "waiting_on_client":
        tasks.transition(task, actor, "waiting_on_client", reason=reason)


def release(task: Task, actor, ask, reason: str) -> None:
    """`ask` no longer holds the task; resume the work when it was the last thing the task waited for."""
    if not ask.holds_task:
        return
    ask.holds_task = False
    db.session.flush()
    if task.status == "waiting_on_client" and not outstanding_asks(task):
        tasks.transition(task, actor, "in_progress", reason=reason, _answer=True)
