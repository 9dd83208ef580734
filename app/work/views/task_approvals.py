"""Task page actions on client approvals: asking named client users to approve, and withdrawing the ask."""

from __future__ import annotations

from flask import flash, request
from flask_login import current_user

from app.core.errors import AppError
from app.core.routes import ViewRoutes
from app.work.services import approvals
from app.work.views.task_blueprint import back_to, load_task, render_task

routes = ViewRoutes()


@routes.route("/tasks/<uuid:task_id>/approvals", methods=["POST"])
def approval_request(task_id):
    task = load_task(task_id)
    form = request.form
    try:
        approval = approvals.request_approval(
            task,
            current_user,
            title=form.get("title", ""),
            message=form.get("message"),
            approver_ids=form.getlist("approver_ids"),
            attachment_ids=form.getlist("attachment_ids"),
            wait_on_client="wait_on_client" in form,
        )
    except AppError as error:
        values = {**form.to_dict(), "approver_ids": form.getlist("approver_ids"), "attachment_ids": form.getlist("attachment_ids")}
        return render_task(task, error=error, section="approvals", form_values=values)
    waits = " The task waits on them until they decide." if approval.holds_task else ""
    flash(f"Approval asked for: “{approval.title}”. The client's approvers have been told.{waits}", "success")
    return back_to(task, "approvals")


@routes.route("/tasks/<uuid:task_id>/approvals/<uuid:approval_request_id>/withdraw", methods=["POST"])
def approval_withdraw(task_id, approval_request_id):
    task = load_task(task_id)
    approval = approvals.approval_for(task, approval_request_id)
    try:
        approvals.withdraw(task, approval, current_user)
    except AppError as error:
        return render_task(task, error=error, section="approvals")
    flash(f"The approval request “{approval.title}” is withdrawn.", "success")
    return back_to(task, "approvals")
