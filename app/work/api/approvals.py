"""JSON endpoints for a task's client approvals: list, ask, read one, withdraw (agency staff)."""

from __future__ import annotations

from flask_login import current_user

from app.accounts.auth import agency_user_required
from app.core.api import Blueprint
from app.work.access import task_for
from app.work.queries import approvals as approval_queries
from app.work.schemas.approvals import TaskApprovalIn, TaskApprovalOut
from app.work.services import approvals

blp = Blueprint("task_approvals_api", __name__, url_prefix="/api/v1/tasks", description="Client approvals on a task")


def _one(approval):
    [view] = approval_queries.views_of([approval], current_user)
    return view


@blp.route("/<uuid:task_id>/approvals", methods=["GET"])
@agency_user_required
@blp.response(200, TaskApprovalOut(many=True))
def list_approvals(task_id):
    """The task's approval requests, newest first (a task has only a handful, so never paged)."""
    return approval_queries.task_approvals(task_for(current_user, task_id), current_user)


@blp.route("/<uuid:task_id>/approvals", methods=["POST"])
@agency_user_required
@blp.arguments(TaskApprovalIn)
@blp.response(201, TaskApprovalOut)
def create(data, task_id):
    """Ask named client users to approve (422 while another request is pending; Idempotency-Key honoured)."""
    task = task_for(current_user, task_id)
    return _one(approvals.request_approval(task, current_user, **data))


@blp.route("/<uuid:task_id>/approvals/<uuid:approval_request_id>", methods=["GET"])
@agency_user_required
@blp.response(200, TaskApprovalOut)
def get(task_id, approval_request_id):
    """One approval request."""
    return _one(approvals.approval_for(task_for(current_user, task_id), approval_request_id))


@blp.route("/<uuid:task_id>/approvals/<uuid:approval_request_id>/withdraw", methods=["POST"])
@agency_user_required
@blp.response(200, TaskApprovalOut)
def withdraw(task_id, approval_request_id):
    """Withdraw a pending request (409 once decided); the task no longer waits for it."""
    task = task_for(current_user, task_id)
    return _one(approvals.withdraw(task, approvals.approval_for(task, approval_request_id), current_user))
