"""The signal task services send after a change, for capabilities that follow tasks (the SLA clocks)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent synchronously, inside the change's unit of work, with the task as sender and keyword arguments:
#   change="created"                      a new task (flushed)
#   change="status", old=..., new=...     a status move (reopening included)
#   change="terms", fields=[...]          priority or deadline changed
#   change="client_message"               agency staff told the client something (a client-visible comment)
# and always actor= (None for the system) and now= (the instant of the change).
task_changed = _signals.signal("task-changed")
# Sent when a page of tasks is about to be shown (tasks=[...]), so followers read what they draw beside the tasks
# for the whole page at once (the SLA clocks' policies and calendars) rather than task by task while it renders.
tasks_listed = _signals.signal("tasks-listed")


def send(task, change: str, actor, now, **details) -> None:
    task_changed.send(task, change=change, actor=actor, now=now, **details)
