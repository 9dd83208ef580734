"""Comments on a task: internal or client-visible, @mentions of staff, and editing or deleting one's own."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import AGENCY_ROLES, User
from app.core import audit
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from app.notifications.services import notify
from app.work import access, events
from app.work.models import Comment, Task
from app.work.services import activity
from app.work.services.tasks import answered_by_client, client_people_ids, ensure_watching, request_url, task_url, watcher_ids

MAX_BODY = 10_000
# An @ that starts a mention: not inside an email address or a word.
MENTION_START = re.compile(r"(?<![\w.+\-@])@")
_TOKEN_CONTINUES = re.compile(r"[\w\-]|\.\w")


def _clean_body(body) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("Write something first.", fields={"body": ["Required."]})
    if len(body) > MAX_BODY:
        raise ValidationFailed(f"Keep a comment under {MAX_BODY:,} characters.", fields={"body": [f"At most {MAX_BODY} characters."]})
    return body


def _starts_with(rest: str, token: str) -> bool:
    if not token or not rest.startswith(token):
        return False
    return _TOKEN_CONTINUES.match(rest[len(token) : len(token) + 2]) is None


def mentioned_users(body: str) -> list[User]:
    """Active agency users named after an @: by email local part (`@jane.doe`) or by name (`@Jane Doe`, `@JaneDoe`)."""
    starts = [match.end() for match in MENTION_START.finditer(body)]
    if not starts:
        return []
    lowered = body.lower()
    staff = db.session.scalars(select(User).where(User.role.in_(AGENCY_ROLES), User.deactivated_at.is_(None)))
    found = []
    for user in staff:
        tokens = {user.email.split("@", 1)[0].lower(), user.name.strip().lower(), user.name.replace(" ", "").lower()}
        if any(_starts_with(lowered[start:], token) for start in starts for token in tokens):
            found.append(user)
    return found


def add_comment(task: Task, actor, body: str, *, client_visible: bool = False) -> Comment:
    """Post a comment. Client users' comments are always client-visible and tell the task's watchers."""
    body = _clean_body(body)
    is_client = actor.is_client_user
    if is_client and actor.client_id != task.client_id:
        raise NotFound()
    comment = Comment(
        task_id=task.id, client_id=task.client_id, author_id=actor.id, body=body, client_visible=True if is_client else bool(client_visible)
    )
    db.session.add(comment)
    db.session.flush()
    activity.record(
        task,
        "commented",
        actor,
        client_visible=comment.client_visible,
        comment=comment.id,
        visibility="client-visible" if comment.client_visible else "internal",
    )
    audit.record("task.commented", comment, client_id=task.client_id, client_visible=comment.client_visible)
    excerpt = body if len(body) <= 300 else body[:297] + "..."
    if is_client:
        notify(
            "client_commented",
            watcher_ids(task),
            title=f"{actor.name} commented on {task.reference}: {task.title}",
            body=excerpt,
            url=task_url(task),
            task=task,
            actor=actor,
        )
        answered_by_client(task, actor)
        return comment
    ensure_watching(task, actor)
    if comment.client_visible:
        events.send(task, "client_message", actor, comment.created_at)
        notify(
            "agency_commented",
            client_people_ids(task),
            title=f"{actor.name} wrote on {task.reference}: {task.title}",
            body=excerpt,
            client_url=request_url(task),
            task=task,
            actor=actor,
        )
    mentioned = [user for user in mentioned_users(body) if access.can_see(user, task)]
    if mentioned:
        notify(
            "mentioned",
            mentioned,
            title=f"{actor.name} mentioned you on {task.reference}: {task.title}",
            body=excerpt,
            url=task_url(task),
            task=task,
            actor=actor,
        )
    return comment


def _own(comment: Comment, actor) -> None:
    if comment.author_id != actor.id:
        raise Forbidden("You can only change your own comments.")


def edit_comment(task: Task, comment: Comment, actor, values: dict) -> Comment:
    """Change one's own comment's text (and, for staff, whether the client sees it)."""
    _own(comment, actor)
    changed = []
    if "body" in values:
        body = _clean_body(values["body"])
        if body != comment.body:
            comment.body = body
            changed.append("body")
    if "client_visible" in values and actor.is_agency_user and bool(values["client_visible"]) != comment.client_visible:
        comment.client_visible = bool(values["client_visible"])
        changed.append("client_visible")
    if changed:
        comment.edited_at = utcnow()
        activity.record(
            task,
            "comment_edited",
            actor,
            client_visible=comment.client_visible,
            comment=comment.id,
            changed=changed,
            visibility="client-visible" if comment.client_visible else "internal",
        )
        audit.record("task.comment_edited", comment, client_id=task.client_id, changed=changed)
        if "client_visible" in changed and comment.client_visible:
            events.send(task, "client_message", actor, comment.edited_at)
    return comment


def delete_comment(task: Task, comment: Comment, actor) -> None:
    _own(comment, actor)
    activity.record(task, "comment_deleted", actor, client_visible=comment.client_visible, comment=comment.id)
    audit.record("task.comment_deleted", comment, client_id=task.client_id)
    db.session.delete(comment)
    db.session.flush()
