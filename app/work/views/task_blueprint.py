"""The task pages' blueprint and what its view modules share: the agency-only guard and rendering a task page."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user

from app.core.errors import AppError, Forbidden
from app.core.pages import render_page
from app.work.access import task_for
from app.work.models import Task
from app.work.queries.task_page import task_page

bp = Blueprint("tasks", __name__)


@bp.before_request
def _agency_users_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_agency_user:
        raise Forbidden("Task pages are for agency staff.")
    return None


def load_task(task_id) -> Task:
    return task_for(current_user, task_id)


def back_to(task: Task, anchor: str | None = None):
    return redirect(url_for("tasks.detail", task_id=task.id) + (f"#{anchor}" if anchor else ""))


def task_context(task: Task) -> dict:
    """Everything the task page shows (assembled by the task page query; `?before=` pages the timeline back)."""
    return task_page(task, current_user, before=request.args.get("before"))


def render_task(task: Task, status_code: int = 200, *, error: AppError | None = None, section: str | None = None, form_values: dict | None = None):
    """The task page, with an action's error shown in its section (and the error's status code)."""
    context = task_context(task)
    if error is not None:
        context.update(error=error.message, error_section=section, errors=error.fields or {}, form_values=form_values or {})
        status_code = error.status
    return render_page("work/task_detail.html", status_code, **context)
