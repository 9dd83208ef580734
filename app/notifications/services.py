"""Creating notifications for the people a task event concerns, honouring their preferences."""
from __future__ import annotations

from sqlalchemy import select

from app.core import jobs
from app.extensions import db
from app.notifications.models import KINDS, Notification, NotificationPreference


def preferences_of(user_ids) -> dict:
    """{(user_id, kind): (in_app, email)} for the users' saved preferences."""
    if not user_ids:
        return {}
    rows = db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id.in_(list(user_ids))))
    return {(row.user_id, row.kind): (row.in_app, row.email) for row in rows}


def notify(kind: str, recipients, *, title: str, body: str | None = None, url: str | None = None, task=None, actor=None) -> list[Notification]:
    """Notify each recipient (except the actor) once, in the app and/or by email as they prefer."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind}")
    actor_id = getattr(actor, "id", None)
    users = {user.id: user for user in recipients if user is not None and user.id != actor_id and user.deactivated_at is None}
    prefs = preferences_of(users.keys())
    created = []
    for user in users.values():
        in_app, email = prefs.get((user.id, kind), (True, True))
        if not (in_app or email):
            continue
        note = Notification(
            user_id=user.id, client_id=user.client_id, kind=kind, task_id=getattr(task, "id", None),
            title=title[:200], body=body, url=url, read_at=None if in_app else _hidden(),
        )
        db.session.add(note)
        db.session.flush()
        if email:
            jobs.enqueue("worker.jobs.notifications.send_notification_email", agency_id=note.agency_id, notification_id=note.id)
        created.append(note)
    return created


def _hidden():
    # An email-only notification is stored (so the email job has its text) but born read.
    from app.core.types import utcnow

    return utcnow()
