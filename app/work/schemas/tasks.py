"""Marshmallow input and output schemas for one task and its checklist, comments, attachments, activity and watchers."""

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from marshmallow.validate import OneOf

from app.core import dates
from app.core.api import computed
from app.core.pagination import PageArgs
from app.work.models import PRIORITIES, STATUSES

# --- task ------------------------------------------------------------------------------------


def _sla_state(task) -> str:
    from app.core.types import utcnow
    from app.work.queries.sla_state import state_of

    return state_of(task, utcnow())


def _allowed(task) -> list[str]:
    from app.work.services.tasks import TRANSITIONS

    return sorted(TRANSITIONS[task.status])


class TaskSlaOut(Schema):
    """A task's SLA clocks: its state now and the stored instants (UTC). NULL instants mean the clock does not run."""

    state = computed(fields.String(metadata={"description": "on_track, at_risk, breached, paused, met, stopped or none."}), _sla_state)
    first_response_due_at = fields.DateTime(allow_none=True)
    first_response_at_risk_at = fields.DateTime(allow_none=True)
    first_responded_at = fields.DateTime(allow_none=True)
    first_response_breached_at = fields.DateTime(allow_none=True)
    resolution_due_at = fields.DateTime(allow_none=True)
    resolution_at_risk_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolution_breached_at = fields.DateTime(allow_none=True)
    paused_since = fields.DateTime(attribute="sla_paused_since", allow_none=True)
    waiting_minutes = fields.Integer(
        attribute="sla_waiting_minutes", metadata={"description": "Business minutes spent waiting on the client (closed pauses)."}
    )


class _OwnFields(fields.Nested):
    """A nested object made of the parent's own attributes (documented as its own schema)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return obj


class TaskListItemOut(Schema):
    """A task as it appears in a work list (agency staff view)."""

    id = fields.UUID()
    number = fields.Integer()
    reference = fields.String(metadata={"description": "The agency's human number, e.g. BK-1042."})
    title = fields.String()
    client_id = fields.UUID()
    task_type_id = fields.UUID()
    queue_id = fields.UUID()
    assignee_id = fields.UUID(allow_none=True)
    priority = fields.String()
    status = fields.String()
    due_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    sla = _OwnFields(TaskSlaOut, metadata={"description": "The task's SLA clocks."})


class TaskDetailOut(TaskListItemOut):
    """One task as agency staff see it."""

    description = fields.String(allow_none=True)
    allowed_transitions = computed(fields.List(fields.String(), metadata={"description": "Statuses this task may move to next."}), _allowed)
    custom_values = fields.Dict()
    created_by_id = fields.UUID(allow_none=True)
    recurring_schedule_id = fields.UUID(allow_none=True)
    occurrence_date = fields.Date(allow_none=True)


class TaskCreateIn(Schema):
    client_id = fields.UUID(required=True)
    task_type_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(allow_none=True, validate=validate.Length(max=20_000))
    priority = fields.String(load_default=None, validate=OneOf(PRIORITIES))
    queue_id = fields.UUID(load_default=None, metadata={"description": "Defaults to the task type's queue."})
    assignee_id = fields.UUID(load_default=None)
    due_at = dates.AwareDateTime(load_default=None, allow_none=True, metadata={"description": "A hard deadline, with a time zone."})
    custom_values = fields.Dict(
        keys=fields.String(), load_default=dict, metadata={"description": "Values for the task type's custom fields, by key."}
    )


class TaskUpdateIn(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(allow_none=True, validate=validate.Length(max=20_000))
    priority = fields.String(validate=OneOf(PRIORITIES))
    queue_id = fields.UUID()
    due_at = dates.AwareDateTime(allow_none=True)
    custom_values = fields.Dict(keys=fields.String(), metadata={"description": "Changed custom values; others are kept."})


class TaskTransitionIn(Schema):
    status = fields.String(required=True, validate=OneOf(STATUSES))
    message = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=10_000),
        metadata={"description": "Posted as a client-visible comment; required for waiting_on_client."},
    )


class TaskAssignIn(Schema):
    assignee_id = fields.UUID(required=True, allow_none=True, metadata={"description": "A staff member, or null to unassign."})


# --- checklist -------------------------------------------------------------------------------


class TaskChecklistItemOut(Schema):
    id = fields.UUID()
    position = fields.Integer()
    title = fields.String()
    required = fields.Boolean()
    done = computed(fields.Boolean(), lambda item: item.done_at is not None)
    done_at = fields.DateTime(allow_none=True)
    done_by_id = fields.UUID(allow_none=True)


class TaskChecklistItemIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    required = fields.Boolean(load_default=False)


class TaskChecklistItemUpdateIn(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    required = fields.Boolean()
    done = fields.Boolean()
    move = fields.String(validate=OneOf(["up", "down"]), metadata={"description": "Swap with the item above or below."})


# --- comments, attachments, activity, watchers -----------------------------------------------


class TaskCommentOut(Schema):
    id = fields.UUID()
    author_id = fields.UUID(allow_none=True)
    body = fields.String()
    client_visible = fields.Boolean()
    created_at = fields.DateTime()
    edited_at = fields.DateTime(allow_none=True)


class TaskCommentPageOut(Schema):
    items = fields.List(fields.Nested(TaskCommentOut))
    next_cursor = fields.String(allow_none=True)


class TaskCommentIn(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    client_visible = fields.Boolean(load_default=False, metadata={"description": "False (default): internal to the agency."})


class TaskCommentUpdateIn(Schema):
    body = fields.String(validate=validate.Length(min=1, max=10_000))
    client_visible = fields.Boolean()


class TaskAttachmentOut(Schema):
    id = fields.UUID()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    client_visible = fields.Boolean()
    uploaded_by_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class TaskAttachmentPageOut(Schema):
    items = fields.List(fields.Nested(TaskAttachmentOut))
    next_cursor = fields.String(allow_none=True)


class TaskActivityOut(Schema):
    id = fields.UUID()
    kind = fields.String()
    actor_id = fields.UUID(allow_none=True)
    data = fields.Dict()
    client_visible = fields.Boolean()
    created_at = fields.DateTime()


class TaskActivityPageOut(Schema):
    items = fields.List(fields.Nested(TaskActivityOut))
    next_cursor = fields.String(allow_none=True)


class TaskWatcherRef(Schema):
    id = fields.UUID()
    name = fields.String()


class TaskWatchersOut(Schema):
    watching = fields.Boolean(metadata={"description": "Whether you watch the task."})
    watchers = fields.List(fields.Nested(TaskWatcherRef))


class TaskAttachmentUploadIn(Schema):
    """A multipart/form-data upload: the file and whether the client sees it."""

    file = Upload(required=True, metadata={"description": "The file."})
    client_visible = fields.Boolean(load_default=False)


class TaskChildPageArgs(PageArgs):
    pass
