"""Portal pages' approval action (on the portal's blueprint): a named approver approves or rejects what the agency asks."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.core.errors import AppError
from app.core.routes import ViewRoutes
from app.portal import queries
from app.portal.views.requests import render_request
from app.work.services import approvals

routes = ViewRoutes()


@routes.route("/requests/<uuid:task_id>/approvals/<uuid:approval_request_id>/decision", methods=["POST"])
def decide_approval(task_id, approval_request_id):
    task = queries.request_for(current_user, task_id)
    approval = approvals.approval_for(task, approval_request_id)
    decision = request.form.get("decision", "")
    try:
        approvals.decide(task, approval, current_user, decision, request.form.get("comment"))
    except AppError as error:
        return render_request(task, error.status if error.status < 500 else 422, error=error)
    flash(
        f"You approved “{approval.title}”. {current_user.agency.name} has been told."
        if approval.status == "approved"
        else f"You rejected “{approval.title}”. {current_user.agency.name} has your comment and will follow up.",
        "success",
    )
    return redirect(url_for("portal.request_detail", task_id=task.id) + "#approvals")
