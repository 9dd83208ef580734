"""The queues a task type can default to: work owns queues and supplies this directory when the app starts."""

from __future__ import annotations

import uuid
from typing import NamedTuple, Protocol

from flask import Flask, current_app

_EXTENSION = "catalog.queue_directory"


class QueueChoice(NamedTuple):
    id: uuid.UUID
    name: str


class QueueDirectory(Protocol):
    """What the catalog asks about queues; the catalog cannot import work, which builds on the catalog."""

    def active_queues(self) -> list[QueueChoice]:
        """The agency's active queues by name."""

    def queue_names(self) -> dict[uuid.UUID, str]:
        """{queue id: name} of every queue of the agency, archived ones included."""

    def active_queue_id(self, queue_id) -> uuid.UUID | None:
        """The id of this queue if it is an active queue of the agency, else None."""

    def line_queue_id(self, service_line_id) -> uuid.UUID | None:
        """The active queue that works a service line (the first by name), if any."""

    def ensure_line_queue(self, name: str, description: str, service_line_id) -> tuple[uuid.UUID, bool]:
        """The queue of this name (or the line's queue), created for the line if neither exists: (id, created)."""


def supply(app: Flask, directory: QueueDirectory) -> None:
    app.extensions[_EXTENSION] = directory


def directory() -> QueueDirectory:
    return current_app.extensions[_EXTENSION]
