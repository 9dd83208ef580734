"""Creating notifications for the people a task event concerns, honouring their preferences; reading and settings."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from app.accounts.models import User
from app.core import audit, jobs
from app.core.errors import NotFound, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from app.notifications.models import AUDIENCES, KINDS, Notification, NotificationPreference, audience_of, kinds_for
from app.notifications.queries import unsubscribe_target
from tenants.context import as_agency
from tenants.lookup import get_in_tenant, note_foreign_id
from tenants.models import Client


def preferences_of(user_ids) -> dict:
    """{(user_id, kind): (in_app, email)} for the users' saved preferences."""
    if not user_ids:
        return {}
    rows = db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id.in_(list(user_ids))))
    return {(row.user_id, row.kind): (row.in_app, row.email) for row in rows}


def _client_name(task) -> str | None:
    client_id = getattr(task, "client_id", None)
    client = get_in_tenant(Client, client_id) if client_id else None
    return client.name if client is not None else None


def notify(
    kind: str, recipients, *, title: str, body: str | None = None, url: str | None = None, client_url: str | None = None, task=None, actor=None
) -> list[Notification]:
    """Notify each recipient (except the actor and deactivated users) once, in the app and/or by email as they prefer.

    `recipients` are users or user ids. Pass ids when the caller acts for a client user: staff rows lie outside a
    client user's scope, so they are loaded here, under the agency. Recipients outside the kind's audience
    (AUDIENCES) are skipped. Staff links (`url`) are never given to client users: they get `client_url` (the portal's
    page for the same thing) or no link.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind}")
    given = [r for r in recipients if r is not None]
    if not given:
        return []
    # A client user's action (a comment) notifies agency staff: their rows and preferences are outside the client's
    # scope, so the recipients are loaded and the notifications written under the agency.
    with as_agency():
        ids = [r for r in given if isinstance(r, uuid.UUID)]
        users = [r for r in given if not isinstance(r, uuid.UUID)]
        if ids:
            users += list(db.session.scalars(select(User).where(User.id.in_(ids))))
        actor_id = getattr(actor, "id", None)
        chosen = {user.id: user for user in users if user.id != actor_id and user.deactivated_at is None and audience_of(user) in AUDIENCES[kind]}
        return _create(kind, chosen.values(), title=title, body=body, url=url, client_url=client_url, task=task) if chosen else []


def _create(kind: str, users, *, title: str, body: str | None, url: str | None, client_url: str | None, task) -> list[Notification]:
    prefs = preferences_of([user.id for user in users])
    client_name = _client_name(task) if task is not None else None
    created = []
    for user in users:
        in_app, email = prefs.get((user.id, kind), (True, True))
        if not (in_app or email):
            continue
        # An email-only notification is stored (the email job reads its text) but never listed, and born read.
        note = Notification(
            user_id=user.id,
            client_id=user.client_id,
            kind=kind,
            task_id=getattr(task, "id", None),
            task_reference=getattr(task, "reference", None),
            client_name=client_name,
            title=title[:200],
            body=body,
            url=client_url if user.is_client_user else url,
            in_app=in_app,
            read_at=None if in_app else utcnow(),
        )
        db.session.add(note)
        db.session.flush()
        if email:
            jobs.enqueue("worker.jobs.notifications.send_notification_email", agency_id=note.agency_id, notification_id=note.id)
        created.append(note)
    return created


# --- reading ---------------------------------------------------------------------------------


def notification_for(user, notification_id) -> Notification:
    """The user's own notification with this id; 404 for anyone else's (of this agency or another)."""
    note = get_in_tenant(Notification, notification_id)
    if note is None:
        note_foreign_id(Notification, notification_id)
        raise NotFound()
    if note.user_id != user.id or not note.in_app:
        raise NotFound()
    return note


def mark_read(user, notification_id) -> Notification:
    note = notification_for(user, notification_id)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.flush()
    return note


def mark_all_read(user) -> int:
    """Mark every unread notification of the user read; returns how many were unread."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.agency_id == user.agency_id, Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    return result.rowcount or 0


# --- preferences -----------------------------------------------------------------------------


def preferences_for(user) -> dict:
    """{kind: (in_app, email)} for every kind the user can receive, defaults (both on) filled in."""
    saved = preferences_of([user.id])
    return {kind: saved.get((user.id, kind), (True, True)) for kind in kinds_for(user)}


def set_preferences(user, choices: dict) -> dict:
    """Save {kind: (in_app, email)} for the given kinds; kinds left out keep their setting."""
    allowed = kinds_for(user)
    unknown = sorted(set(choices) - set(allowed))
    if unknown:
        raise ValidationFailed(
            "Unknown notification kind.", fields={kind: [f"You cannot receive this kind. Must be one of: {', '.join(allowed)}."] for kind in unknown}
        )
    rows = {row.kind: row for row in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    changed = {}
    for kind, (in_app, email) in choices.items():
        in_app, email = bool(in_app), bool(email)
        row = rows.get(kind)
        if row is None:
            if (in_app, email) == (True, True):
                continue  # a missing row already means both on
            row = NotificationPreference(user_id=user.id, client_id=user.client_id, kind=kind)
            db.session.add(row)
        elif (row.in_app, row.email) == (in_app, email):
            continue
        row.in_app, row.email = in_app, email
        changed[kind] = {"in_app": in_app, "email": email}
    db.session.flush()
    if changed:
        audit.record("notifications.preferences_changed", target_type="users", target_id=user.id, client_id=user.client_id, changes=changed)
    return preferences_for(user)


def unsubscribe(token: str):
    """Turn off email for the kind a signed unsubscribe link names (in-app delivery stays as it was); idempotent.

    Returns (agency, user, kind). A link that is not ours, or names a user or kind that does not exist in its
    agency, raises NotFound and changes nothing.
    """
    agency, user, kind = unsubscribe_target(token)
    in_app, _ = preferences_for(user)[kind]
    set_preferences(user, {kind: (in_app, False)})
    return agency, user, kind
