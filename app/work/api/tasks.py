"""JSON endpoints for one task: create, read, edit, transitions, assignment, checklist, comments, attachments, activity, watchers."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from app.accounts.auth import agency_user_required
from app.core import storage
from app.core.api import Blueprint
from app.core.pagination import Page, id_page
from app.work.access import task_for
from app.work.models import Attachment, Comment
from app.work.queries import activity as activity_queries
from app.work.queries import attachments as attachment_queries
from app.work.queries import checklist as checklist_queries
from app.work.queries import comments as comment_queries
from app.work.queries import people as people_queries
from app.work.schemas.tasks import (
    TaskActivityPageOut,
    TaskAssignIn,
    TaskAttachmentOut,
    TaskAttachmentPageOut,
    TaskAttachmentUploadIn,
    TaskChecklistItemIn,
    TaskChecklistItemOut,
    TaskChecklistItemUpdateIn,
    TaskChildPageArgs,
    TaskCommentIn,
    TaskCommentOut,
    TaskCommentPageOut,
    TaskCommentUpdateIn,
    TaskCreateIn,
    TaskDetailOut,
    TaskTransitionIn,
    TaskUpdateIn,
    TaskWatchersOut,
)
from app.work.services import attachments, checklist, comments, tasks, watchers

blp = Blueprint("tasks_api", __name__, url_prefix="/api/v1/tasks", description="One task and everything done on it")

FILE_RESPONSE = {
    "200": {
        "description": "The file, as an attachment download.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _task(task_id):
    return task_for(current_user, task_id)


def _page(page: Page) -> dict:
    return {"items": page.items, "next_cursor": page.next_cursor}


# --- the task --------------------------------------------------------------------------------


@blp.route("", methods=["POST"])
@agency_user_required
@blp.arguments(TaskCreateIn)
@blp.response(201, TaskDetailOut)
def create(data):
    """Create a task for a client you serve (Idempotency-Key honoured)."""
    return tasks.create_task(current_user, **data)


@blp.route("/<uuid:task_id>")
class TaskItem(MethodView):
    decorators = [agency_user_required]

    @blp.response(200, TaskDetailOut)
    def get(self, task_id):
        """One task."""
        return _task(task_id)

    @blp.arguments(TaskUpdateIn)
    @blp.response(200, TaskDetailOut)
    def patch(self, data, task_id):
        """Edit title, description, priority, deadline, queue or custom values (each change is recorded)."""
        return tasks.update_fields(_task(task_id), current_user, data)


@blp.route("/<uuid:task_id>/transitions", methods=["POST"])
@agency_user_required
@blp.arguments(TaskTransitionIn)
@blp.response(200, TaskDetailOut)
def transition(data, task_id):
    """Move the task to another status (409 when the move is not allowed or required checklist items are open)."""
    return tasks.transition(_task(task_id), current_user, data["status"], message=data.get("message"))


@blp.route("/<uuid:task_id>/assign", methods=["POST"])
@agency_user_required
@blp.arguments(TaskAssignIn)
@blp.response(200, TaskDetailOut)
def assign(data, task_id):
    """Assign, reassign (a staff member's id) or unassign (null)."""
    return tasks.assign(_task(task_id), current_user, data["assignee_id"])


# --- checklist -------------------------------------------------------------------------------


@blp.route("/<uuid:task_id>/checklist")
class Checklist(MethodView):
    decorators = [agency_user_required]

    @blp.response(200, TaskChecklistItemOut(many=True))
    def get(self, task_id):
        """The checklist in order (at most 200 items, so never paged)."""
        return checklist_queries.items_of(_task(task_id))

    @blp.arguments(TaskChecklistItemIn)
    @blp.response(201, TaskChecklistItemOut)
    def post(self, data, task_id):
        """Add an item at the end."""
        return checklist.add_item(_task(task_id), current_user, data["title"], required=data["required"])


@blp.route("/<uuid:task_id>/checklist/<uuid:checklist_item_id>")
class ChecklistItem(MethodView):
    decorators = [agency_user_required]

    @blp.arguments(TaskChecklistItemUpdateIn)
    @blp.response(200, TaskChecklistItemOut)
    def patch(self, data, task_id, checklist_item_id):
        """Tick or untick (done), rename, make required or optional, or move up/down."""
        task = _task(task_id)
        item = checklist_queries.item_of(task, checklist_item_id)
        move = data.pop("move", None)
        checklist.update_item(task, item, current_user, data)
        if move:
            checklist.move_item(task, item, current_user, move)
        return item

    @blp.response(204)
    def delete(self, task_id, checklist_item_id):
        """Remove an item."""
        task = _task(task_id)
        checklist.remove_item(task, checklist_queries.item_of(task, checklist_item_id), current_user)


# --- comments --------------------------------------------------------------------------------


@blp.route("/<uuid:task_id>/comments")
class Comments(MethodView):
    decorators = [agency_user_required]

    @blp.arguments(TaskChildPageArgs, location="query")
    @blp.response(200, TaskCommentPageOut)
    def get(self, args, task_id):
        """Comments, oldest first."""
        task = _task(task_id)
        return _page(id_page(comment_queries.task_comments(task, current_user), Comment, **args))

    @blp.arguments(TaskCommentIn)
    @blp.response(201, TaskCommentOut)
    def post(self, data, task_id):
        """Comment (internal unless client_visible); @name or @email-local-part mentions notify staff."""
        return comments.add_comment(_task(task_id), current_user, data["body"], client_visible=data["client_visible"])


@blp.route("/<uuid:task_id>/comments/<uuid:comment_id>")
class CommentItem(MethodView):
    decorators = [agency_user_required]

    @blp.arguments(TaskCommentUpdateIn)
    @blp.response(200, TaskCommentOut)
    def patch(self, data, task_id, comment_id):
        """Edit your own comment."""
        task = _task(task_id)
        return comments.edit_comment(task, comment_queries.comment_of(task, comment_id, current_user), current_user, data)

    @blp.response(204)
    def delete(self, task_id, comment_id):
        """Delete your own comment."""
        task = _task(task_id)
        comments.delete_comment(task, comment_queries.comment_of(task, comment_id, current_user), current_user)


# --- attachments -----------------------------------------------------------------------------


@blp.route("/<uuid:task_id>/attachments")
class Attachments(MethodView):
    decorators = [agency_user_required]

    @blp.arguments(TaskChildPageArgs, location="query")
    @blp.response(200, TaskAttachmentPageOut)
    def get(self, args, task_id):
        """Attachments, oldest first."""
        task = _task(task_id)
        return _page(id_page(attachment_queries.task_attachments(task, current_user), Attachment, **args))

    @blp.arguments(TaskAttachmentUploadIn, location="multipart")
    @blp.response(201, TaskAttachmentOut)
    def post(self, data, task_id):
        """Upload a file (multipart/form-data, field `file`): size and type limited, stored outside the web root."""
        task = _task(task_id)
        upload = data["file"]
        return attachments.upload(task, current_user, upload.stream, upload.filename, upload.mimetype, client_visible=data["client_visible"])


@blp.route("/<uuid:task_id>/attachments/<uuid:attachment_id>")
class AttachmentItem(MethodView):
    decorators = [agency_user_required]

    @blp.doc(responses=FILE_RESPONSE)
    def get(self, task_id, attachment_id):
        """Download the file."""
        task = _task(task_id)
        return download_response(attachment_queries.attachment_of(task, attachment_id, current_user))

    @blp.response(204)
    def delete(self, task_id, attachment_id):
        """Delete a file you uploaded."""
        task = _task(task_id)
        attachments.delete_attachment(task, attachment_queries.attachment_of(task, attachment_id, current_user), current_user)


def download_response(row: Attachment):
    return storage.download_response(
        row.storage_key, filename=row.filename, content_type=row.content_type, size_bytes=row.size_bytes, sha256=row.sha256
    )


# --- activity and watchers -------------------------------------------------------------------


@blp.route("/<uuid:task_id>/activity", methods=["GET"])
@agency_user_required
@blp.arguments(TaskChildPageArgs, location="query")
@blp.response(200, TaskActivityPageOut)
def activity_list(args, task_id):
    """The timeline: every change, who made it and when, oldest first."""
    return _page(activity_queries.oldest_first(_task(task_id), current_user, **args))


def _watchers(task) -> dict:
    people = people_queries.watchers_of(task)
    return {"watching": any(p.id == current_user.id for p in people), "watchers": people}


@blp.route("/<uuid:task_id>/watchers")
class Watchers(MethodView):
    decorators = [agency_user_required]

    @blp.response(200, TaskWatchersOut)
    def get(self, task_id):
        """Who watches the task."""
        return _watchers(_task(task_id))

    @blp.response(200, TaskWatchersOut)
    def post(self, task_id):
        """Watch the task yourself."""
        task = _task(task_id)
        watchers.watch(task, current_user._get_current_object())
        return _watchers(task)

    @blp.response(200, TaskWatchersOut)
    def delete(self, task_id):
        """Stop watching the task."""
        task = _task(task_id)
        watchers.unwatch(task, current_user._get_current_object())
        return _watchers(task)
