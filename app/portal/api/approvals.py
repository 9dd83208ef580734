"""Approvals in the portal API, for client users' tokens: what waits on me, and approving or rejecting."""

from __future__ import annotations

from types import SimpleNamespace

from flask_login import current_user

from app.accounts.auth import require_roles
from app.core.api import Blueprint
from app.core.pagination import PageArgs, id_page
from app.portal import queries
from app.portal.schemas import PortalApprovalDecisionIn, PortalApprovalOut, PortalPendingApprovalPageOut
from app.work.models import ApprovalRequest, Task
from app.work.queries import approvals as approval_queries
from app.work.services import approvals

blp = Blueprint("portal_approvals_api", __name__, url_prefix="/api/v1/portal", description="The client portal: approvals asked of you")
client_user_required = require_roles("client_admin", "client_member")


def _one(approval: ApprovalRequest):
    [view] = approval_queries.views_of([approval], current_user)
    return view


@blp.route("/approvals", methods=["GET"])
@client_user_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, PortalPendingApprovalPageOut)
def pending(args):
    """Pending approvals that name you, on open requests, oldest first."""
    page = id_page(approval_queries.pending_for_stmt(current_user), ApprovalRequest, limit=args["limit"], cursor=args["cursor"])
    tasks = approval_queries.tasks_of(page.items)
    items = []
    for view in approval_queries.views_of(page.items, current_user):
        task: Task = tasks[view.task_id]
        items.append(
            SimpleNamespace(
                **{
                    name: getattr(view, name)
                    for name in (
                        "id",
                        "task_id",
                        "title",
                        "message",
                        "status",
                        "created_at",
                        "requested_by_name",
                        "approvers",
                        "files",
                        "can_decide",
                        "decided_by_name",
                        "decided_at",
                        "decision_comment",
                        "viewer_id",
                    )
                },
                request_reference=task.reference,
                request_title=task.title,
            )
        )
    return {"items": items, "next_cursor": page.next_cursor}


@blp.route("/requests/<uuid:task_id>/approvals/<uuid:approval_request_id>/decision", methods=["POST"])
@client_user_required
@blp.arguments(PortalApprovalDecisionIn)
@blp.response(200, PortalApprovalOut)
def decide(data, task_id, approval_request_id):
    """Approve (comment optional) or reject (comment required) an approval that names you (403 if it does not)."""
    task = queries.request_for(current_user, task_id)
    approval = approvals.approval_for(task, approval_request_id)
    approvals.decide(task, approval, current_user, data["decision"], data.get("comment"))
    return _one(approval)
