"""Portal pages' approval action: a named approver approves or rejects what the agency asks them to."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from app.core.errors import AppError
from app.portal import queries
from app.portal.views import render_request
from app.work.services import approvals
from app.work.services.tasks import STATUS_LABELS

bp = Blueprint("portal_approvals", __name__, url_prefix="/portal")


@bp.before_request
def _client_users_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_client_user:
        abort(403)
    return None


@bp.context_processor
def _labels():  # the request page this blueprint re-renders uses the portal's labels
    return {"status_labels": STATUS_LABELS, "expected_completion": queries.expected_completion}


@bp.route("/requests/<uuid:task_id>/approvals/<uuid:approval_request_id>/decision", methods=["POST"])
def decide(task_id, approval_request_id):
    task = queries.request_for(current_user, task_id)
    approval = approvals.approval_for(task, approval_request_id)
    decision = request.form.get("decision", "")
    try:
        approvals.decide(task, approval, current_user, decision, request.form.get("comment"))
    except AppError as error:
        return render_request(task, error.status if error.status < 500 else 422, error=error)
    flash(f"You approved “{approval.title}”. {current_user.agency.name} has been told." if approval.status == "approved"
          else f"You rejected “{approval.title}”. {current_user.agency.name} has your comment and will follow up.", "success")
    return redirect(url_for("portal.request_detail", task_id=task.id) + "#approvals")
