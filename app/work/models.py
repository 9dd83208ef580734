"""Queues, tasks and their checklist, comments, attachments, activity, watchers and document requests; saved filters."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Index, Integer, SmallInteger, String, Text, UniqueConstraint, Uuid, false, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import ClientScoped, TenantModel, tenant_fk
from app.core.types import UTCDateTime, utcnow

PRIORITIES = ("urgent", "high", "normal", "low")
PRIORITY_RANK = {name: rank for rank, name in enumerate(PRIORITIES)}
STATUSES = ("new", "in_progress", "waiting_on_client", "in_review", "done", "cancelled")
OPEN_STATUSES = ("new", "in_progress", "waiting_on_client", "in_review")
CLOSED_STATUSES = ("done", "cancelled")
# What the workload counts and the SLA strip read of an open task (client_id too: row-level security checks it).
OPEN_SUMMARY_COLUMNS = [
    "client_id",
    "queue_id",
    "priority",
    "status",
    "resolution_due_at",
    "resolution_at_risk_at",
    "resolution_breached_at",
    "first_response_due_at",
    "first_response_at_risk_at",
    "first_response_breached_at",
    "first_responded_at",
    "sla_paused_since",
]


class Queue(TenantModel):
    """A line of work, usually one per service line, worked by its member staff."""

    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("agency_id", "name"), tenant_fk("service_line_id", "service_lines"))
    id_param = "queue_id"

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    service_line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QueueMember(TenantModel):
    """A staff member who works a queue."""

    __tablename__ = "queue_members"
    __table_args__ = (
        UniqueConstraint("agency_id", "queue_id", "user_id"),
        tenant_fk("queue_id", "queues", ondelete="CASCADE"),
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        Index("ix_queue_members_agency_user", "agency_id", "user_id"),
    )
    id_param = "queue_member_id"

    queue_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Composite foreign keys carry no ON DELETE SET NULL: it would null agency_id too. Referenced rows are archived or
# deactivated rather than deleted, and services detach what they delete (e.g. a schedule's tasks).


class TaskCounter(TenantModel):
    """The agency's next task number; one row per agency, incremented under a row lock."""

    __tablename__ = "task_counters"
    __table_args__ = (UniqueConstraint("agency_id"),)

    next_number: Mapped[int] = mapped_column(Integer, default=1001)


class SlaClock:
    """A task's SLA clocks, computed by `app.sla.clocks` on every relevant change and read by lists and reports.

    Instants are UTC. A clock whose due instant is NULL does not run (no policy, or no target for the priority;
    first response runs only on requests made by the client). While `sla_paused_since` is set (waiting on the
    client, done or cancelled) the resolution clock is stopped; `sla_pauses` keeps the closed pauses as
    `[start, end, reason]`, so a priority change can recompute from creation. Breach instants, once set, stay.
    `*_warned_at` and `*_breached_at` are set by the sweep with the event they record, so it seeks only the clocks
    that crossed and are not recorded yet.
    """

    sla_policy_version_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    first_response_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_pauses: Mapped[list] = mapped_column(JSON, default=list)
    sla_waiting_minutes: Mapped[int] = mapped_column(Integer, default=0)


class Task(TenantModel, ClientScoped, SlaClock):
    """One unit of work for one client."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("agency_id", "number"),
        UniqueConstraint("agency_id", "recurring_schedule_id", "occurrence_date"),
        tenant_fk("client_id", "clients"),
        tenant_fk("task_type_id", "task_types"),
        tenant_fk("queue_id", "queues"),
        tenant_fk("assignee_id", "users"),
        tenant_fk("recurring_schedule_id", "recurring_schedules"),
        Index("ix_tasks_agency_assignee_open", "agency_id", "assignee_id", "closed_at"),
        Index("ix_tasks_agency_queue_open", "agency_id", "queue_id", "closed_at"),
        Index("ix_tasks_agency_client_open", "agency_id", "client_id", "closed_at"),
        # The work lists: open tasks in urgency order (priority, deadline, age) per assignee, queue and client,
        # the unassigned ones for claim-next, and per-client counts read from the index alone.
        *(
            Index(
                f"ix_tasks_open_{name}_urgency",
                "agency_id",
                *lead,
                "priority_rank",
                "due_at",
                "created_at",
                "id",
                sqlite_where=text(where),
                postgresql_where=text(where),
            )
            for name, lead, where in (
                ("agency", (), "closed_at IS NULL"),
                ("assignee", ("assignee_id",), "closed_at IS NULL"),
                ("queue", ("queue_id",), "closed_at IS NULL"),
                ("client", ("client_id",), "closed_at IS NULL"),
                ("unassigned", (), "closed_at IS NULL AND assignee_id IS NULL"),
            )
        ),
        Index(
            "ix_tasks_open_client_counts",
            "agency_id",
            "client_id",
            "status",
            "due_at",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        tenant_fk("sla_policy_version_id", "sla_policy_versions"),
        # SLA order (resolution due soonest first) for the whole agency, per queue and per assignee.
        *(
            Index(
                f"ix_tasks_open_{name}_sla",
                "agency_id",
                *lead,
                "resolution_due_at",
                "priority_rank",
                "created_at",
                "id",
                sqlite_where=text("closed_at IS NULL"),
                postgresql_where=text("closed_at IS NULL"),
            )
            for name, lead in (("agency", ()), ("queue", ("queue_id",)), ("assignee", ("assignee_id",)))
        ),
        # Workload and the home page's SLA strip: open tasks per assignee by priority and SLA state, from the index alone.
        Index(
            "ix_tasks_open_assignee_summary",
            "agency_id",
            "assignee_id",
            postgresql_include=OPEN_SUMMARY_COLUMNS,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        # The portal's open requests, newest first.
        Index(
            "ix_tasks_open_client_created",
            "agency_id",
            "client_id",
            "created_at",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        # The sweep's seek, one per clock: open tasks whose crossing is not recorded yet, by the crossing instant.
        *(
            Index(
                f"ix_tasks_sla_unrecorded_{name}",
                "agency_id",
                instant,
                sqlite_where=text(f"closed_at IS NULL AND {marker} IS NULL"),
                postgresql_where=text(f"closed_at IS NULL AND {marker} IS NULL"),
            )
            for name, instant, marker in (
                ("response_risk", "first_response_at_risk_at", "first_response_warned_at"),
                ("response_due", "first_response_due_at", "first_response_breached_at"),
                ("resolution_risk", "resolution_at_risk_at", "resolution_warned_at"),
                ("resolution_due", "resolution_due_at", "resolution_breached_at"),
            )
        ),
        # SLA reports: tasks with an SLA by each instant a report range counts (due, responded, resolved), closed ones too.
        *(
            Index(
                f"ix_tasks_sla_history_{name}",
                "agency_id",
                instant,
                sqlite_where=text("sla_policy_version_id IS NOT NULL"),
                postgresql_where=text("sla_policy_version_id IS NOT NULL"),
            )
            for name, instant in (
                ("resolution_due", "resolution_due_at"),
                ("response_due", "first_response_due_at"),
                ("resolved", "resolved_at"),
                ("responded", "first_responded_at"),
            )
        ),
    )
    id_param = "task_id"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, sort_order=-98)
    number: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(24))
    task_type_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    queue_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    priority_rank: Mapped[int] = mapped_column(SmallInteger, default=PRIORITY_RANK["normal"])
    status: Mapped[str] = mapped_column(String(24), default="new")
    # While waiting on the client: a question staff asked is still unanswered (see app/work/services/waiting.py).
    awaiting_answer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    custom_values: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recurring_schedule_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    occurrence_date: Mapped[date | None] = mapped_column(Date)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class _TaskChild(TenantModel, ClientScoped):
    """A row that belongs to a task (and so to the task's client)."""

    __abstract__ = True

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, sort_order=-98)
    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, sort_order=-97)


class ChecklistItem(_TaskChild):
    __tablename__ = "task_checklist_items"
    __table_args__ = (
        tenant_fk(["task_id"], "tasks", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        Index("ix_task_checklist_items_task", "agency_id", "task_id", "position"),
    )
    id_param = "checklist_item_id"

    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Comment(_TaskChild):
    """A comment: internal (agency staff only) or client-visible."""

    __tablename__ = "task_comments"
    __table_args__ = (
        tenant_fk("task_id", "tasks", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        Index("ix_task_comments_task", "agency_id", "task_id", "created_at"),
    )
    id_param = "comment_id"

    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    body: Mapped[str] = mapped_column(Text)
    client_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Attachment(_TaskChild):
    """A file on a task, stored outside the web root and served behind an access check."""

    __tablename__ = "task_attachments"
    __table_args__ = (
        tenant_fk("task_id", "tasks", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        Index("ix_task_attachments_task", "agency_id", "task_id"),
    )
    id_param = "attachment_id"

    uploaded_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    client_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Activity(_TaskChild):
    """One entry of a task's timeline: every change, who made it and when."""

    __tablename__ = "task_activity"
    __table_args__ = (
        tenant_fk("task_id", "tasks", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        Index("ix_task_activity_task", "agency_id", "task_id", "created_at"),
    )
    id_param = "activity_id"

    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(48))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    client_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Watcher(_TaskChild):
    """Someone told about changes to a task."""

    __tablename__ = "task_watchers"
    __table_args__ = (
        UniqueConstraint("agency_id", "task_id", "user_id"),
        tenant_fk("task_id", "tasks", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        tenant_fk("user_id", "users", ondelete="CASCADE"),
    )
    id_param = "watcher_id"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SavedFilter(TenantModel):
    """A named set of list filters a user keeps for one view."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("agency_id", "user_id", "name"), tenant_fk("user_id", "users", ondelete="CASCADE"))
    id_param = "saved_filter_id"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(100))
    view: Mapped[str] = mapped_column(String(32))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TimeEntry(_TaskChild):
    """Time a staff member spent on a task: a running timer (no end yet) or a finished entry.

    Never shown to client users. Editable by its author while unbilled.
    """

    __tablename__ = "time_entries"
    __table_args__ = (
        tenant_fk("task_id", "tasks", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        tenant_fk("user_id", "users"),
        Index("ix_time_entries_user_started", "agency_id", "user_id", "started_at"),
        Index("ix_time_entries_task", "agency_id", "task_id"),
        # Workload's minutes this week and in the last 7 days, from the index alone.
        Index("ix_time_entries_agency_started", "agency_id", "started_at", postgresql_include=["user_id", "minutes", "client_id", "task_id"]),
        # One running timer per user.
        Index(
            "uq_time_entries_running_timer",
            "agency_id",
            "user_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )
    id_param = "time_entry_id"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes: Mapped[int | None] = mapped_column(Integer)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)
    billed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


FREQUENCIES = ("monthly_day", "monthly_last_working_day", "weekly", "quarterly", "yearly", "rrule")


class RecurringSchedule(TenantModel, ClientScoped):
    """Recurring work for one client and task type: which dates, when each is due, how early to create it."""

    __tablename__ = "recurring_schedules"
    __table_args__ = (
        tenant_fk("client_id", "clients"),
        tenant_fk("task_type_id", "task_types"),
        tenant_fk("default_assignee_id", "users"),
        Index("ix_recurring_schedules_active", "agency_id", "paused_at"),
    )
    id_param = "schedule_id"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, sort_order=-98)
    task_type_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    frequency: Mapped[str] = mapped_column(String(32))
    interval: Mapped[int] = mapped_column(Integer, default=1)
    day_of_month: Mapped[int | None] = mapped_column(SmallInteger)
    weekday: Mapped[int | None] = mapped_column(SmallInteger)
    month: Mapped[int | None] = mapped_column(SmallInteger)
    rrule: Mapped[str | None] = mapped_column(Text)
    due_time: Mapped[str] = mapped_column(String(5), default="17:00")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    lead_days: Mapped[int] = mapped_column(Integer, default=7)
    default_assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    priority: Mapped[str | None] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- client approvals ------------------------------------------------------------------------

APPROVAL_STATUSES = ("pending", "approved", "rejected", "withdrawn")


class ApprovalRequest(_TaskChild):
    """Staff ask named client users to approve something on a task; one of them approves or rejects it.

    At most one request per task is pending (a unique partial index). A task whose latest request is pending or
    rejected cannot be completed; withdrawing the latest request lifts that.
    """

    __tablename__ = "approval_requests"
    __table_args__ = (
        tenant_fk("task_id", "tasks", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        tenant_fk("requested_by_id", "users"),
        tenant_fk("decided_by_id", "users"),
        tenant_fk("withdrawn_by_id", "users"),
        Index("ix_approval_requests_task", "agency_id", "task_id", "created_at"),
        Index(
            "uq_approval_requests_one_pending",
            "agency_id",
            "task_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )
    id_param = "approval_request_id"

    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    withdrawn_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The task waits on the client until this request is decided (asked with "wait on the client").
    holds_task: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"


class ApprovalApprover(TenantModel, ClientScoped):
    """A client user named on an approval request: any one of them may decide it."""

    __tablename__ = "approval_approvers"
    __table_args__ = (
        UniqueConstraint("agency_id", "approval_id", "user_id"),
        tenant_fk("approval_id", "approval_requests", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        Index("ix_approval_approvers_user", "agency_id", "user_id"),
    )
    id_param = "approval_approver_id"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, sort_order=-98)
    approval_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class ApprovalFile(TenantModel, ClientScoped):
    """A client-visible file of the task that an approval request asks the approvers to review."""

    __tablename__ = "approval_files"
    __table_args__ = (
        UniqueConstraint("agency_id", "approval_id", "attachment_id"),
        tenant_fk("approval_id", "approval_requests", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        tenant_fk("attachment_id", "task_attachments", ondelete="CASCADE"),
    )
    id_param = "approval_file_id"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, sort_order=-98)
    approval_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    attachment_id: Mapped[uuid.UUID] = mapped_column(Uuid)


DOCUMENT_REQUEST_STATUSES = ("open", "closed", "cancelled")
DOCUMENT_ITEM_STATUSES = ("missing", "uploaded", "accepted", "rejected")


class DocumentRequest(_TaskChild):
    """Named documents staff ask the client for, by a due date; closes itself once every item is accepted.

    `last_reminded_at` is when the client was last told about it (the request itself counts), so the reminder
    sweep sends at most one reminder per day and never repeats one on a rerun.
    """

    __tablename__ = "document_requests"
    __table_args__ = (
        tenant_fk("task_id", "tasks", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        Index("ix_document_requests_task", "agency_id", "task_id", "created_at"),
        # The reminder sweep's seek: open requests by due date.
        Index("ix_document_requests_open_due", "agency_id", "due_on", sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )
    id_param = "document_request_id"

    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The task waits on the client until every document of this request is sent (asked with "wait on the client").
    holds_task: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class DocumentRequestItem(_TaskChild):
    """One named document of a request: missing, uploaded (waiting for review), accepted or rejected with a reason.

    The uploaded file is an Attachment of the task (client-visible); earlier rejected files stay on the task and in
    its timeline.
    """

    __tablename__ = "document_request_items"
    __table_args__ = (
        tenant_fk("task_id", "tasks", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        tenant_fk("request_id", "document_requests", ondelete="CASCADE"),
        tenant_fk("attachment_id", "task_attachments"),
        Index("ix_document_request_items_request", "agency_id", "request_id", "position"),
    )
    id_param = "document_item_id"

    request_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="missing")
    attachment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    uploaded_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def client_owes(self) -> bool:
        """The client still has to send this one (never sent, or sent and rejected)."""
        return self.status in ("missing", "rejected")


class TaskExport(TenantModel):
    """A task list exported to CSV in the background: its progress, then the stored file, for the person who asked."""

    __tablename__ = "task_exports"
    __table_args__ = (
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        Index("ix_task_exports_user_created", "agency_id", "user_id", "created_at"),
    )
    id_param = "export_id"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    view: Mapped[str] = mapped_column(String(32))
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # filters, queue or client, the viewer's zone
    filename: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done, failed
    total: Mapped[int | None] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    file_key: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
